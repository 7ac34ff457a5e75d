import type { OperationOutcome } from '@mekong/fhir';

/** The `issue.code` of an OperationOutcome (http://hl7.org/fhir/issue-type). */
export type IssueType = NonNullable<OperationOutcome['issue'][number]['code']>;

/** Options of {@link HttpError}. */
export interface HttpErrorOptions {
  /** The HTTP status, 400 to 599. */
  readonly status: number;
  /** What failed and where. */
  readonly message: string;
  /** What to do next; appended to the OperationOutcome's diagnostics. */
  readonly hint?: string;
  /** The issue type; derived from the status when omitted. */
  readonly code?: IssueType;
  /** FHIRPath expressions of the offending elements (`Patient.birthDate`). */
  readonly expression?: readonly string[];
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An error with the HTTP status the caller should receive. Route and operation handlers throw it; the server
 * answers with an OperationOutcome carrying the message, the hint and the expressions.
 *
 * @example
 * ```ts
 * throw new HttpError({ status: 422, message: 'the encounter is closed', hint: 'reopen it first', expression: ['Encounter.status'] });
 * ```
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: IssueType;
  readonly hint: string | undefined;
  readonly expression: readonly string[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: HttpErrorOptions) {
    super(options.message);
    this.name = 'HttpError';
    if (!Number.isInteger(options.status) || options.status < 400 || options.status > 599) {
      throw new RangeError(`HttpError status must be 400 to 599, got ${options.status}`);
    }
    this.status = options.status;
    this.code = options.code ?? issueTypeFor(options.status);
    this.hint = options.hint;
    this.expression = options.expression ?? [];
    this.headers = options.headers ?? {};
  }
}

const ISSUE_TYPES: Record<number, IssueType> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  406: 'not-supported',
  409: 'conflict',
  410: 'deleted',
  412: 'conflict',
  413: 'too-costly',
  415: 'not-supported',
  422: 'processing',
  429: 'throttled',
  503: 'transient',
};

/** The issue type that matches an HTTP status. */
export function issueTypeFor(status: number): IssueType {
  return ISSUE_TYPES[status] ?? (status >= 500 ? 'exception' : 'processing');
}
