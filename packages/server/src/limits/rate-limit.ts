import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http/http-error.js';
import { principalOf } from '../http/request-context.js';

/** Who a request counts against: its authenticated client (or agent), else its address. */
export function rateLimitKey(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (!principal) return `address:${request.ip}`;
  return principal.client ? `client:${principal.client}` : `${principal.agent.kind}:${principal.agent.id}`;
}

/** A failed authentication over its address's budget: the 429 to answer, and when the window ends (epoch ms). */
export interface AuthFailureThrottle {
  readonly refusal: HttpError;
  readonly until: number;
}

/** Counts a failed authentication against the request's address; the 429 to answer once there were too many. */
export type AuthFailureLimit = (request: FastifyRequest) => Promise<AuthFailureThrottle | undefined>;

/**
 * Per-client rate limits: after authentication (so a client is counted as itself, wherever it connects from),
 * 429 with Retry-After and an OperationOutcome when exceeded. Public endpoints (health, docs) are not counted.
 * Requests refused by authentication never reach that limit: the returned function counts them per address,
 * with the same budget, so that guessing credentials is limited too; it returns the 429 for the caller to
 * record and throw.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  options: { max: number; timeWindowMs: number; isPublic: (request: FastifyRequest) => boolean },
): Promise<AuthFailureLimit> {
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: options.max,
    timeWindow: options.timeWindowMs,
    keyGenerator: rateLimitKey,
    allowList: (request) => options.isPublic(request),
    errorResponseBuilder: (_request, context) =>
      new HttpError({
        status: 429,
        message: `rate limit exceeded: at most ${context.max} requests per ${Math.round(options.timeWindowMs / 1000)} s for this client`,
        hint: `retry in ${context.after}`,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  });
  const failures = app.createRateLimit({ keyGenerator: (request) => `auth-failure:${request.ip}` });
  return async (request) => {
    const result = await failures(request);
    if (result.isAllowed || !result.isExceeded) return undefined;
    const refusal = new HttpError({
      status: 429,
      message: `too many failed authentications from this address: at most ${result.max} per ${Math.round(options.timeWindowMs / 1000)} s`,
      hint: 'check the credential (API key or access token) before retrying',
      headers: { 'retry-after': String(Math.max(1, result.ttlInSeconds)) },
    });
    return { refusal, until: Date.now() + result.ttl };
  };
}
