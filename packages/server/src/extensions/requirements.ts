import { policyAllows } from '@mekong/store';
import type { FastifyRequest } from 'fastify';
import type { ServerAudit } from '../audit/server-audit.js';
import type { Principal } from '../auth/index.js';
import { HttpError } from '../http/http-error.js';
import { requirePrincipal } from '../http/request-context.js';
import type { RouteRequirements } from './route-types.js';

/** Refuses (403) a caller that lacks what a route or operation requires. */
export function checkRequirements(principal: Principal, requires: RouteRequirements | undefined, what: string): void {
  if (!requires) return;
  if (requires.admin && !principal.admin) {
    throw new HttpError({
      status: 403,
      message: `${what} is for administrators only`,
      hint: 'call it with an administrator credential',
    });
  }
  for (const { type, interactions } of requires.resources ?? []) {
    const missing = interactions.filter((interaction) => !policyAllows(principal.policy, type, interaction));
    if (missing.length > 0) {
      throw new HttpError({
        status: 403,
        message: `${what} needs ${missing.join(', ')} on ${type}, which ${principal.agent.kind} '${principal.agent.id}' may not do`,
        hint: `ask an administrator for a role that allows ${missing.join(', ')} on ${type}`,
      });
    }
  }
}

/**
 * The caller of a route or an administrators' endpoint, when it meets `requires`; otherwise the refusal (403) is
 * recorded in the audit trail (a restricted function, under the caller and the plugin whose route it is) and
 * thrown.
 */
export async function enforceRequirements(
  audit: ServerAudit,
  request: FastifyRequest,
  requires: RouteRequirements | undefined,
  what: string,
  pluginId?: string,
): Promise<Principal> {
  const principal = requirePrincipal(request);
  try {
    checkRequirements(principal, requires, what);
  } catch (error) {
    await audit.refused(request, principal, error as Error, pluginId);
    throw error;
  }
  return principal;
}
