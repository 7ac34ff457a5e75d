import { StoreError } from '../errors.js';
import type { AuditedCredential } from './audit-credential.js';
import { type AuditEntry, type GatewayActivity, UNKNOWN_AGENT } from './audit-event.js';

/**
 * An AuditEvent a gateway records itself (`StoreAccess.audit`): what it decided without a store call. The store
 * adds when (its clock) and which gateway observed it.
 */
export type GatewayAuditEntry = Omit<AuditEntry, 'interaction' | 'recorded' | 'source'> & {
  readonly interaction: GatewayActivity;
};

/** A gateway asked to record an entry the audit trail cannot hold; nothing was recorded (a bug: answer 500). */
export class InvalidAuditEntryError extends StoreError {
  constructor(problem: string, hint: string) {
    super({ code: 'AUDIT_ENTRY_INVALID', status: 500, message: `invalid audit entry: ${problem}`, hint });
  }
}

const ACTIVITIES: readonly string[] = [
  'operation',
  'login',
  'restricted-function',
  'credential-issued',
  'credential-revoked',
] satisfies GatewayActivity[];
const CREDENTIAL_ACTIVITIES: readonly string[] = ['credential-issued', 'credential-revoked'];
const KINDS: readonly string[] = ['user', 'system', 'plugin', 'unknown'];
const OUTCOMES: readonly string[] = ['success', 'refused', 'failed'];
const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const OPERATION = /^\$[a-z][A-Za-z0-9-]{0,63}$/;
const MAX_NAME = 200;
/** Longer details are cut: as the store cuts its own (a message may quote a whole request). */
const MAX_DETAIL = 1000;

/**
 * The entry a gateway's record becomes, checked: only gateway activities (the store records its own
 * interactions), an agent of a known kind, an operation named `$code`, a restricted function or a credential
 * change named by its function, a credential only with a credential change, references of the form `Type/id`.
 * Text is kept as sent, made printable when rendered, and details are cut to 1,000 characters.
 */
export function gatewayEntry(entry: GatewayAuditEntry, gateway: string, recorded: Date): AuditEntry {
  const interaction: string = entry.interaction;
  if (!ACTIVITIES.includes(interaction)) {
    throw new InvalidAuditEntryError(
      `a gateway records ${ACTIVITIES.join(', ')}, not '${interaction}'`,
      'store interactions are recorded by the store itself: make them through a scoped store',
    );
  }
  const kind: string = entry.context?.agent?.kind;
  if (!KINDS.includes(kind) || typeof entry.context.agent.id !== 'string' || entry.context.agent.id === '') {
    throw new InvalidAuditEntryError(
      `the agent must be a user, system, plugin or the unknown agent, with an id; got kind '${kind}'`,
      "name the caller's agent, or UNKNOWN_AGENT for a request that was not authenticated",
    );
  }
  if (!OUTCOMES.includes(entry.outcome)) {
    throw new InvalidAuditEntryError(
      `the outcome '${entry.outcome}' is not one of ${OUTCOMES.join(', ')}`,
      'use one of them',
    );
  }
  if (interaction === 'operation' && !OPERATION.test(entry.name ?? '')) {
    throw new InvalidAuditEntryError(
      `an operation is named '$code', not '${entry.name ?? ''}'`,
      'give the operation name with its $, such as $everything',
    );
  }
  const named = interaction === 'restricted-function' || CREDENTIAL_ACTIVITIES.includes(interaction);
  if (named && (!entry.name || entry.name.length > MAX_NAME)) {
    throw new InvalidAuditEntryError(
      `a ${interaction === 'restricted-function' ? 'restricted function' : interaction} needs a name of 1 to ${MAX_NAME} characters`,
      'name the function called by method and route, such as POST /admin/api-keys',
    );
  }
  if (entry.credential !== undefined) {
    if (!CREDENTIAL_ACTIVITIES.includes(interaction)) {
      throw new InvalidAuditEntryError(
        `a credential is recorded with ${CREDENTIAL_ACTIVITIES.join(' or ')}, not '${interaction}'`,
        'leave the credential out, or record the credential issued or revoked',
      );
    }
    checkCredential(entry.credential);
  }
  for (const [field, value] of [
    ['entity', entry.entity],
    ['patient', entry.patient],
  ] as const) {
    if (value !== undefined && !REFERENCE.test(value)) {
      throw new InvalidAuditEntryError(`${field} '${value}' is not a reference`, 'use Type/id, such as Patient/p1');
    }
  }
  if (entry.patient !== undefined && !entry.patient.startsWith('Patient/')) {
    throw new InvalidAuditEntryError(`patient '${entry.patient}' is not a Patient`, 'use Patient/id');
  }
  if (entry.resourceType !== undefined && !TYPE.test(entry.resourceType)) {
    throw new InvalidAuditEntryError(
      `'${entry.resourceType}' is not a resource type`,
      'give a FHIR resource type, such as Patient',
    );
  }
  return {
    ...entry,
    // The unknown agent is one: no id a gateway sends is recorded for it.
    ...(kind === 'unknown' ? { context: { ...entry.context, agent: UNKNOWN_AGENT } } : {}),
    ...(entry.detail !== undefined ? { detail: entry.detail.slice(0, MAX_DETAIL) } : {}),
    source: gateway,
    recorded,
  };
}

/** A credential's agent names someone; its compartment holds patients; its dates are dates. */
function checkCredential(credential: AuditedCredential): void {
  const { agent, roles, compartment, expiresAt, revokedAt, rateLimit } = credential;
  if (agent !== undefined && (!['user', 'system'].includes(agent.kind) || typeof agent.id !== 'string' || !agent.id)) {
    throw new InvalidAuditEntryError(
      `a credential's agent must be a user or system with an id; got kind '${agent.kind}'`,
      "give the agent its requests are audited under, such as { kind: 'system', id: 'api-key/<id>' }",
    );
  }
  if (roles !== undefined && !roles.every((role) => typeof role === 'string')) {
    throw new InvalidAuditEntryError("a credential's roles must be role names", 'give the roles as strings');
  }
  const stranger = compartment?.find((patient) => !REFERENCE.test(patient) || !patient.startsWith('Patient/'));
  if (stranger !== undefined) {
    throw new InvalidAuditEntryError(
      `a credential's compartment holds '${stranger}', not a Patient`,
      'list the patients as Patient/id',
    );
  }
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0)) {
    throw new InvalidAuditEntryError(
      `a credential's rateLimit must be a whole number of requests, 1 or more; got ${String(rateLimit)}`,
      'give the requests per window, or leave it out',
    );
  }
  for (const [field, date] of [
    ['expiresAt', expiresAt],
    ['revokedAt', revokedAt],
  ] as const) {
    if (date !== undefined && !(date instanceof Date && Number.isFinite(date.getTime()))) {
      throw new InvalidAuditEntryError(`a credential's ${field} is not a valid date`, 'give a Date, or leave it out');
    }
  }
}
