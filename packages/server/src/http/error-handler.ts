import { DatabaseUnavailableError } from '@mekong/store';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse } from './error-response.js';
import { HttpError } from './http-error.js';

/**
 * Every error and every unknown path answered with an OperationOutcome; bugs logged with their stack. A database
 * that is away is logged once per outage by the store, not once per request.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const response = errorResponse(error, request.id);
    if (response.status >= 500 && !(error instanceof HttpError) && !unavailable(error))
      request.log.error({ err: error }, 'request failed');
    else request.log.debug({ status: response.status, message: error.message }, 'request refused');
    return reply
      .code(response.status)
      .headers(response.headers)
      .type('application/fhir+json; charset=utf-8')
      .send(JSON.stringify(response.body));
  });
  app.setNotFoundHandler((request: FastifyRequest) => {
    throw new HttpError({
      status: 404,
      message: `there is no ${request.method} ${request.url.split('?')[0]} on this server`,
      hint: 'the API reference is at /docs; FHIR resources are under /fhir/R4',
    });
  });
}

function unavailable(error: unknown): boolean {
  return error instanceof DatabaseUnavailableError || (error as Error).cause instanceof DatabaseUnavailableError;
}
