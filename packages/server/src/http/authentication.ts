import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/index.js';
import { setPrincipal } from './request-context.js';

/**
 * Authenticates every request but the public ones before anything else runs: a request without valid
 * credentials gets a 401 OperationOutcome, even for a path that does not exist.
 */
export function registerAuthentication(
  app: FastifyInstance,
  authenticator: Pick<Authenticator, 'authenticate'>,
  isPublic: (request: FastifyRequest) => boolean,
): void {
  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    setPrincipal(request, await authenticator.authenticate(request.headers.authorization));
  });
}
