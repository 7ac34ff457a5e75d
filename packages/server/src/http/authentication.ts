import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerAudit } from '../audit/server-audit.js';
import { AuthenticationError, type Authenticator, type Principal } from '../auth/index.js';
import type { AuthFailureLimit } from '../limits/rate-limit.js';
import { setPrincipal } from './request-context.js';

/**
 * Authenticates every request but the public ones before anything else runs: a request without valid
 * credentials gets a 401 OperationOutcome, even for a path that does not exist. Each refusal is counted by
 * `limit` against its address (a 429 once the address has failed too often) and recorded by `audit` (a 429
 * only once per address and window).
 */
export function registerAuthentication(
  app: FastifyInstance,
  authenticator: Pick<Authenticator, 'authenticate'>,
  isPublic: (request: FastifyRequest) => boolean,
  deps: { readonly audit: ServerAudit; readonly limit?: AuthFailureLimit },
): void {
  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    let principal: Principal;
    try {
      principal = await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      // Not judged (the identity provider did not answer, 503) or a bug: neither is a failed login.
      if (!(error instanceof AuthenticationError)) throw error;
      const throttle = await deps.limit?.(request);
      if (throttle) {
        await deps.audit.throttledLogin(request, error, throttle);
        throw throttle.refusal;
      }
      await deps.audit.failedLogin(request, error);
      throw error;
    }
    setPrincipal(request, principal);
  });
}
