import { DatabaseUnavailableError } from '@mekong/store';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse } from './error-response.js';
import { HttpError } from './http-error.js';

/**
 * Every error and every unknown path answered with an OperationOutcome; bugs logged with their stack. A database
 * that is away is logged once per outage by the store, not once per request.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request: FastifyRequest) => {
    throw new HttpError({
      status: 404,
      message: `there is no ${request.method} ${request.url.split('?')[0]} on this server`,
      hint: 'the API reference is at /docs; FHIR resources are under /fhir/R4',
    });
  });
}

/** Answers an error with its OperationOutcome (see {@link errorResponse}). */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const response = errorResponse(error, request.id);
  if (response.status >= 500 && !(error instanceof HttpError) && !unavailable(error))
    request.log.error({ err: error }, 'request failed');
  else request.log.debug({ status: response.status, message: error.message }, 'request refused');
  return reply
    .code(response.status)
    .headers(response.headers)
    .type('application/fhir+json; charset=utf-8')
    .send(JSON.stringify(response.body));
}

/** The longest path segment (a type, an id, an operation name) the router matches. */
export const MAX_PATH_SEGMENT = 200;

/**
 * What the router refuses before any route or hook runs (Fastify's `frameworkErrors`: a path segment over
 * {@link MAX_PATH_SEGMENT}, a %-escape that does not decode), answered with an OperationOutcome like every other
 * error. Fastify's own answers are plain JSON that repeat the whole path.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0] ?? '';
  const shown = path.length > 80 ? `${path.slice(0, 80)}...` : path;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendError(
      new HttpError({
        status: 414,
        code: 'too-long',
        message: `a segment of the path ${shown} is longer than ${MAX_PATH_SEGMENT} characters`,
        hint: 'ids are 1 to 64 letters, digits, "-" or ".": check the URL',
      }) as unknown as FastifyError,
      request,
      reply,
    );
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendError(
      new HttpError({
        status: 400,
        message: `the path ${shown} is not a valid URL: a %-escape in it does not decode`,
        hint: 'percent-encode the path as UTF-8',
      }) as unknown as FastifyError,
      request,
      reply,
    );
  }
  return sendError(error, request, reply);
}

function unavailable(error: unknown): boolean {
  return error instanceof DatabaseUnavailableError || (error as Error).cause instanceof DatabaseUnavailableError;
}
