/** A failure the person at the terminal can act on: what failed, and what to do next. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
