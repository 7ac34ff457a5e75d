import type { OperationOutcome } from '@mekong/fhir';
import { DatabaseUnavailableError, InvalidResourceError, StoreError, TransactionEntryError } from '@mekong/store';
import { ApiKeyRequestError, AuthenticationError, AuthenticationUnavailableError } from '../auth/index.js';
import { HttpError, issueTypeFor } from './http-error.js';
import { diagnosticsOf, type OutcomeIssue, operationOutcome } from './operation-outcome.js';

/** What the server answers for an error: a status, headers and an OperationOutcome. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: OperationOutcome;
}

/** Fastify's own client errors (body too large, bad media type, malformed JSON) carry `statusCode` and `code`. */
interface FastifyClientError {
  readonly statusCode: number;
  readonly code?: string;
  readonly message: string;
}

const FASTIFY_HINTS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'send a smaller body, or split a Bundle into several',
  FST_ERR_CTP_INVALID_MEDIA_TYPE:
    'send application/fhir+json (application/json and, for PATCH, application/json-patch+json are accepted)',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'send a JSON body, or no Content-Type header',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'send a Content-Length that matches the body',
};

/**
 * Maps any error to the response the caller receives. Errors that know their status (HTTP, store,
 * authentication and Fastify's client errors) keep it, with their message, hint and element paths; anything
 * else is a bug in the server and becomes a 500 that names only the request id: no stack trace or internal
 * message ever reaches the caller.
 */
export function errorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof HttpError) {
    return respond(
      error.status,
      [{ code: error.code, diagnostics: diagnosticsOf(error.message, error.hint), expression: error.expression }],
      error.headers,
    );
  }
  if (error instanceof AuthenticationError) {
    return respond(401, [issue(401, error.message, error.hint)], {
      'www-authenticate': error.challenge(),
    });
  }
  if (error instanceof AuthenticationUnavailableError) {
    return respond(503, [issue(503, error.message, error.hint)], { 'retry-after': '5' });
  }
  if (error instanceof ApiKeyRequestError) return respond(400, [issue(400, error.message, error.hint)]);
  if (error instanceof StoreError) return storeErrorResponse(error);
  if (isFastifyClientError(error)) {
    const status = error.statusCode;
    return respond(status, [issue(status, error.message, error.code ? FASTIFY_HINTS[error.code] : undefined)]);
  }
  return respond(500, [
    {
      code: 'exception',
      diagnostics: `internal error: the server could not complete the request (request id ${requestId}). The server log has the details under that id; retry later or report it`,
    },
  ]);
}

function storeErrorResponse(error: StoreError): ErrorResponse {
  const cause = error instanceof TransactionEntryError ? error.cause : error;
  if (cause instanceof InvalidResourceError) {
    const prefix = error instanceof TransactionEntryError ? `Bundle.entry[${error.index}].resource` : undefined;
    const issues = cause.issues.map((found) => {
      const path = prefix && found.path ? `${prefix}${found.path.replace(/^[A-Z][A-Za-z]+/, '')}` : found.path;
      return issue(error.status, `${path || '<root>'}: ${found.message}`, undefined, path ? [path] : []);
    });
    const summary =
      error instanceof TransactionEntryError
        ? [
            issue(
              error.status,
              `Bundle.entry[${error.index}] (${error.request}) is invalid, nothing of the transaction was written`,
              error.hint,
              [`Bundle.entry[${error.index}]`],
            ),
          ]
        : [];
    return respond(error.status, [...summary, ...issues]);
  }
  // A database that is away is no fault of the request: the caller may retry, after Retry-After.
  const unavailable = error instanceof DatabaseUnavailableError ? error : cause;
  const headers: Record<string, string> =
    unavailable instanceof DatabaseUnavailableError ? { 'retry-after': String(unavailable.retryAfterSeconds) } : {};
  const code = error.issueType ? { code: error.issueType } : {};
  return respond(error.status, [{ ...issue(error.status, error.message, error.hint), ...code }], headers);
}

function issue(status: number, message: string, hint?: string, expression: readonly string[] = []): OutcomeIssue {
  return { code: issueTypeFor(status), diagnostics: diagnosticsOf(message, hint), expression };
}

function respond(
  status: number,
  issues: OutcomeIssue[],
  headers: Readonly<Record<string, string>> = {},
): ErrorResponse {
  return { status, headers, body: operationOutcome(issues) };
}

function isFastifyClientError(error: unknown): error is FastifyClientError {
  const candidate = error as Partial<FastifyClientError> | null;
  return (
    typeof candidate?.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500 &&
    (candidate.code?.startsWith('FST_') === true || error instanceof SyntaxError)
  );
}
