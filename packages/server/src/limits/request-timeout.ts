import { cancelStatementsOn } from '@mekong/store';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { HttpError } from '../http/http-error.js';

/**
 * Bounds every route's handler: a request not answered within `timeoutMs` gets a 503 OperationOutcome, so a
 * slow query never holds a client forever, and the PostgreSQL statements the handler still runs are cancelled,
 * so their connections go back to the pool instead of serving an answer nobody waits for. (Fastify's own
 * `requestTimeout` bounds receiving the request.)
 */
export function registerHandlerTimeout(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function timed(this: FastifyInstance, request, reply) {
      const outOfTime = new AbortController();
      const result = cancelStatementsOn(outOfTime.signal, () => handler.call(this, request, reply)) as unknown;
      if (!(result instanceof Promise)) return result as never;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          outOfTime.abort(new Error(`the request was not answered within ${timeoutMs} ms`));
          reject(
            new HttpError({
              status: 503,
              code: 'timeout',
              message: `the request was not answered within ${timeoutMs} ms`,
              hint: 'retry later, or narrow the request (fewer results, a smaller Bundle)',
              headers: { 'retry-after': '5' },
            }),
          );
        }, timeoutMs);
      });
      return Promise.race([result, deadline]).finally(() => clearTimeout(timer)) as never;
    };
  });
}
