import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError, type Authenticator } from '../auth/index.js';
import { setPrincipal } from './request-context.js';

/**
 * Authenticates every request but the public ones before anything else runs: a request without valid
 * credentials gets a 401 OperationOutcome, even for a path that does not exist. Each refusal is passed to
 * `onFailure` (which counts it, and throws a 429 once an address has failed too often).
 */
export function registerAuthentication(
  app: FastifyInstance,
  authenticator: Pick<Authenticator, 'authenticate'>,
  isPublic: (request: FastifyRequest) => boolean,
  onFailure?: (request: FastifyRequest) => Promise<void>,
): void {
  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    try {
      setPrincipal(request, await authenticator.authenticate(request.headers.authorization));
    } catch (error) {
      if (error instanceof AuthenticationError) await onFailure?.(request);
      throw error;
    }
  });
}
