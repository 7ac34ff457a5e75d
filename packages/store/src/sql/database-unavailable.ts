import { StoreError } from '../errors.js';

/** Seconds a client is told to wait (`Retry-After`) before it retries a request the database could not serve. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Why the database could not carry out a request. */
export type DatabaseUnavailableReason = 'unreachable' | 'busy' | 'connection-lost' | 'cancelled';

function messageOf(reason: DatabaseUnavailableReason, detail: string, outcomeUnknown: boolean): string {
  const unknown = outcomeUnknown ? ': a write in it may or may not have been committed' : '';
  switch (reason) {
    case 'unreachable':
      return `the database is not reachable (${detail}): the request was not carried out`;
    case 'busy':
      return `the database has no connection free (${detail}): the request was not carried out`;
    case 'cancelled':
      return `the database statement was cancelled (${detail})${unknown}`;
    case 'connection-lost':
      return `the connection to the database was lost (${detail})${unknown}`;
  }
}

/**
 * The database could not carry out a request: it is unreachable, every connection stayed busy, the connection
 * was lost, or the statement was cancelled (the request ran out of time). A server answers 503 with
 * `Retry-After`: nothing is wrong with the request itself.
 */
export class DatabaseUnavailableError extends StoreError {
  /** Seconds to wait before retrying. */
  readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;

  constructor(
    readonly reason: DatabaseUnavailableReason,
    cause: unknown,
    /** True when a write's statement or commit had been sent: it may or may not have been committed. */
    readonly outcomeUnknown: boolean,
  ) {
    super({
      code: 'DATABASE_UNAVAILABLE',
      status: 503,
      message: messageOf(reason, cause instanceof Error ? cause.message : String(cause), outcomeUnknown),
      hint: outcomeUnknown
        ? `retry in ${DATABASE_RETRY_AFTER_SECONDS} s; read what a write would have changed before repeating it (or make it conditional: If-None-Exist, If-Match); GET /readyz answers 200 once the database is back`
        : `retry in ${DATABASE_RETRY_AFTER_SECONDS} s; GET /readyz answers 200 once the database is back`,
      cause,
    });
  }
}

// Class 08: connection exception; 57P01-57P03: the server is shutting down, crashed or is starting up;
// 53300: too many connections.
const CONNECTION_CODES = /^(08...|57P0[123]|53300)$/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// What `pg` and its pool say when a connection dies, cannot be made in time or is no longer usable.
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Cannot use a pool after calling end|Client was closed/;

/** Whether an error from `pg` means the database or the connection to it failed, not the statement. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.test(code) || NETWORK_CODES.has(code))) return true;
  if (CONNECTION_MESSAGES.test(error.message)) return true;
  // A connection attempt to several addresses fails with all their errors.
  return error instanceof AggregateError && error.errors.some(isConnectionFailure);
}

/** PostgreSQL's `query_canceled`: a statement timeout, or a cancel (ours when a request ran out of time). */
export function isCancelled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}
