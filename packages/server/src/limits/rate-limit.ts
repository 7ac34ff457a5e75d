import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.js';
import { HttpError } from '../http/http-error.js';
import { principalOf } from '../http/request-context.js';
import type { ServerLimits } from '../plugin/server-config.js';

/** The rate limits of {@link ServerLimits}, as configured. */
export type RateLimits = ServerLimits['rateLimit'];

/** Who a request counts against: its authenticated client (or agent), else its address. */
export function rateLimitKey(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (!principal) return `address:${request.ip}`;
  return principal.client ? `client:${principal.client}` : `${principal.agent.kind}:${principal.agent.id}`;
}

/**
 * How many requests per window a principal may make: its credential's own limit (an API key issued with one),
 * else the highest limit of its roles listed in `limits.roles`, else `systemMax` for a system's token (client
 * credentials: an integration), else `max` (an interactive user, or an API key of roles without a limit).
 */
export function requestLimitOf(principal: Principal, limits: RateLimits): number {
  if (principal.rateLimit !== undefined) return principal.rateLimit;
  let byRole: number | undefined;
  for (const role of principal.roles) {
    const limit = limits.roles[role];
    if (limit !== undefined && (byRole === undefined || limit > byRole)) byRole = limit;
  }
  if (byRole !== undefined) return byRole;
  // API keys are audited as systems too (`api-key/<id>`); a key's limit comes from its own or its roles'.
  const systemToken = principal.agent.kind === 'system' && !principal.agent.id.startsWith('api-key/');
  return systemToken ? limits.systemMax : limits.max;
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
 * 429 with Retry-After and an OperationOutcome when exceeded; each client's budget is
 * {@link requestLimitOf} it. Public endpoints (health, docs) are not counted. Requests refused by
 * authentication never reach that limit: the returned function counts them per address (`failedAuthMax`,
 * by default `max`), so that guessing credentials is limited too; it returns the 429 for the caller to record
 * and throw.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  options: RateLimits & { isPublic: (request: FastifyRequest) => boolean },
): Promise<AuthFailureLimit> {
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: (request) => {
      const principal = principalOf(request);
      return principal ? requestLimitOf(principal, options) : options.max;
    },
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
  const failures = app.createRateLimit({
    max: options.failedAuthMax ?? options.max,
    keyGenerator: (request) => `auth-failure:${request.ip}`,
  });
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
