import type { AnyResource } from '@mekong/fhir';
import { patientOf, type StoreAccess, UNKNOWN_AGENT } from '@mekong/store';
import type { FastifyRequest } from 'fastify';
import type { AuthenticationError, Principal } from '../auth/index.js';
import type { OperationLevel } from '../extensions/operation-types.js';
import { callerContext } from '../http/caller-store.js';
import { errorResponse } from '../http/error-response.js';
import type { AuthFailureThrottle } from '../limits/rate-limit.js';
import { failedLoginDetail } from './failed-login.js';
import { ThrottledAddresses } from './throttled-addresses.js';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A FHIR operation call, as its AuditEvent names it. */
export interface AuditedOperation {
  /** The code without `$`. */
  readonly code: string;
  /** The plugin that provides it: an agent of the event, as of the store calls its code makes. */
  readonly pluginId: string;
  readonly level: OperationLevel;
  readonly resourceType?: string;
  /** The instance id from the path, as sent (recorded only when it is a valid id). */
  readonly id?: string;
}

/** What an operation answered: its status, and its resource when there is one. */
export interface OperationAnswer {
  readonly status: number;
  readonly resource?: AnyResource;
}

const outcomeOf = (status: number) => (status < 400 ? 'success' : status === 403 ? 'refused' : 'failed');

/**
 * What the server records in the store's audit trail itself, through `StoreAccess.audit`: the requests it
 * refuses before any store call (failed authentications, restricted functions) and each FHIR operation call.
 * One AuditEvent each, written before the answer leaves; a record that cannot be written fails the request.
 */
export class ServerAudit {
  private readonly throttled = new ThrottledAddresses();

  constructor(
    private readonly access: Pick<StoreAccess, 'audit'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A failed authentication (401): the unknown agent, the address and why, never the credential. */
  async failedLogin(request: FastifyRequest, error: AuthenticationError): Promise<void> {
    await this.access.audit({
      interaction: 'login',
      context: { agent: UNKNOWN_AGENT, address: request.ip },
      outcome: 'refused',
      detail: failedLoginDetail(error),
    });
  }

  /**
   * A failed authentication over its address's budget (429). Only the first of the address's window is
   * recorded, saying until when: the failures before it were each recorded, and a flood of guesses must not
   * flood the audit trail (which is never pruned) as well.
   */
  async throttledLogin(request: FastifyRequest, error: AuthenticationError, throttle: AuthFailureThrottle) {
    if (!this.throttled.first(request.ip, throttle.until, this.now())) return;
    await this.access.audit({
      interaction: 'login',
      context: { agent: UNKNOWN_AGENT, address: request.ip },
      outcome: 'refused',
      detail: `${failedLoginDetail(error)}; ${throttle.refusal.message}: refused with 429 until ${new Date(throttle.until).toISOString()}, and further failures from this address are not recorded until then`,
    });
  }

  /**
   * A call to a restricted function refused to an authenticated caller (an administrators' endpoint, a route
   * whose `requires` it does not meet): named by method and route, under the caller (and the plugin whose
   * route it is).
   */
  async refused(request: FastifyRequest, principal: Principal, error: Error, pluginId?: string): Promise<void> {
    await this.access.audit({
      interaction: 'restricted-function',
      context: callerContext(request, principal, pluginId),
      name: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      outcome: 'refused',
      detail: error.message,
    });
  }

  /**
   * Runs one FHIR operation call and records it, whatever its outcome: refused (403, its roles or the store),
   * failed (any other error or status of 400 and above) or success, with the instance and its patient when
   * they are known. The store calls its code makes are recorded by the store, as ever.
   */
  async operation<T extends OperationAnswer>(
    request: FastifyRequest,
    principal: Principal,
    call: AuditedOperation,
    run: () => Promise<T>,
  ): Promise<T> {
    let answer: T;
    try {
      answer = await run();
    } catch (error) {
      const response = errorResponse(error, request.id);
      const detail = response.body.issue.map((issue) => issue.diagnostics).join('; ');
      await this.recordOperation(request, principal, call, response.status, undefined, `${response.status}: ${detail}`);
      throw error;
    }
    const detail = answer.status < 400 ? undefined : `${answer.status}: ${diagnosticsOf(answer.resource)}`;
    await this.recordOperation(request, principal, call, answer.status, answer.resource, detail);
    return answer;
  }

  private async recordOperation(
    request: FastifyRequest,
    principal: Principal,
    call: AuditedOperation,
    status: number,
    resource: AnyResource | undefined,
    detail: string | undefined,
  ): Promise<void> {
    const entity =
      call.level === 'instance' && call.resourceType && call.id && ID.test(call.id)
        ? `${call.resourceType}/${call.id}`
        : undefined;
    const compartment = principal.policy.compartment;
    // The patient: the Patient acted on, else the caller's only patient, else the one the answer is about.
    const patient =
      (call.resourceType === 'Patient' ? entity : undefined) ??
      (compartment?.length === 1 ? compartment[0] : undefined) ??
      (resource ? patientOf(resource) : undefined);
    await this.access.audit({
      interaction: 'operation',
      context: callerContext(request, principal, call.pluginId),
      name: `$${call.code}`,
      ...(entity ? { entity } : call.resourceType ? { resourceType: call.resourceType } : {}),
      ...(patient ? { patient } : {}),
      outcome: outcomeOf(status),
      ...(detail ? { detail } : {}),
    });
  }
}

/** The diagnostics of an OperationOutcome an operation answered with, or that it answered none. */
function diagnosticsOf(resource: AnyResource | undefined): string {
  if (resource?.resourceType !== 'OperationOutcome') return 'the operation answered an error status';
  return resource.issue.map((issue) => issue.diagnostics ?? issue.code).join('; ');
}
