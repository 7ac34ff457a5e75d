import type { AnyResource } from '@mekong/fhir';
import {
  type AuditedCredential,
  type GatewayAuditEntry,
  patientOf,
  type StoreAccess,
  UNKNOWN_AGENT,
} from '@mekong/store';
import type { FastifyRequest } from 'fastify';
import {
  type ApiKeyChangeHook,
  type AuthenticationError,
  apiKeyChange,
  auditedApiKey,
  type Principal,
} from '../auth/index.js';
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

/** What an administrator's change of a credential records (see {@link ServerAudit.credentialChange}). */
export interface CredentialChange {
  /**
   * What is known of the credential before the change is made (the name and roles asked for, the id to revoke):
   * recorded if the change fails.
   */
  attempted?: AuditedCredential;
  /** Records the change, in the transaction that makes it: the `within` of `ApiKeys.create` or `revoke`. */
  readonly record: ApiKeyChangeHook;
}

const outcomeOf = (status: number) => (status < 400 ? 'success' : status === 403 ? 'refused' : 'failed');

/** A restricted function as its records name it: the method and the route, never the URL's values. */
const functionName = (request: FastifyRequest) =>
  `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;

/** What an error answers, as a record's detail: its status and diagnostics, never a stack or internal message. */
function failureOf(error: unknown, request: FastifyRequest): { status: number; detail: string } {
  const response = errorResponse(error, request.id);
  return {
    status: response.status,
    detail: `${response.status}: ${response.body.issue.map((issue) => issue.diagnostics).join('; ')}`,
  };
}

/**
 * What the server records in the store's audit trail itself, through `StoreAccess.audit`: the requests it
 * refuses before any store call (failed authentications, restricted functions), what administrators do with
 * restricted functions (API keys issued, revoked or listed, the boot report read) and each FHIR operation call.
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
      name: functionName(request),
      outcome: 'refused',
      detail: error.message,
    });
  }

  /**
   * Runs an administrator's call to a restricted function that reveals who may do what (the API keys, the boot
   * report) and records it under the caller, used or failed, with `describe`'s summary of what it answered.
   * Recorded before the answer leaves: what a record cannot be written for is not revealed.
   */
  async restrictedFunction<T>(
    request: FastifyRequest,
    principal: Principal,
    run: () => Promise<T>,
    describe?: (result: T) => string,
  ): Promise<T> {
    const record = (outcome: GatewayAuditEntry['outcome'], detail: string | undefined) =>
      this.access.audit({
        interaction: 'restricted-function',
        context: callerContext(request, principal),
        name: functionName(request),
        outcome,
        ...(detail ? { detail } : {}),
      });
    let result: T;
    try {
      result = await run();
    } catch (error) {
      const failure = failureOf(error, request);
      await record(outcomeOf(failure.status), failure.detail);
      throw error;
    }
    await record('success', describe?.(result));
    return result;
  }

  /**
   * Runs an administrator's change of a credential (an API key issued or revoked) and records it under the
   * caller, with the key as an entity (and its patient, when it reaches one only): a change made, in the
   * transaction that makes it (`change.record`), so both commit or neither does; a change that failed, after
   * it, with why and what was asked (`change.attempted`). `secret` is request text that must not reach the
   * trail (an id that is no key id may be a key sent by mistake): a failure's detail has it replaced.
   */
  async credentialChange<T>(
    request: FastifyRequest,
    principal: Principal,
    activity: 'credential-issued' | 'credential-revoked',
    run: (change: CredentialChange) => Promise<T>,
    options: { readonly secret?: string } = {},
  ): Promise<T> {
    const entry = (
      outcome: GatewayAuditEntry['outcome'],
      credential: AuditedCredential | undefined,
      detail?: string,
    ): GatewayAuditEntry => ({
      ...apiKeyChange(activity, credential),
      context: callerContext(request, principal),
      name: functionName(request),
      outcome,
      ...(detail ? { detail } : {}),
    });
    const change: CredentialChange = {
      record: (key, tx) => this.access.audit(entry('success', auditedApiKey(key)), { transaction: tx }),
    };
    try {
      return await run(change);
    } catch (error) {
      const failure = failureOf(error, request);
      const detail = options.secret ? failure.detail.replaceAll(options.secret, '(not recorded)') : failure.detail;
      await this.access.audit(entry(outcomeOf(failure.status), change.attempted, detail));
      throw error;
    }
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
      const failure = failureOf(error, request);
      await this.recordOperation(request, principal, call, failure.status, undefined, failure.detail);
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
