/** A terminology request that cannot be answered: an unknown code system or value set (404), or bad input (400). */
export class TerminologyError extends Error {
  readonly status: 400 | 404;
  readonly hint: string;
  /** The request parameter at fault (`system`, `url`, `date`). */
  readonly parameter: string | undefined;

  constructor(options: { status: 400 | 404; message: string; hint: string; parameter?: string }) {
    super(options.message);
    this.name = 'TerminologyError';
    this.status = options.status;
    this.hint = options.hint;
    this.parameter = options.parameter;
  }
}
