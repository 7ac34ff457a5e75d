import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@mekong/fhir';
import type { AccessContext, Agent } from '../access/access-context.js';
import { type AuditedCredential, credentialEntity } from './audit-credential.js';
import { agentIdentifier, auditText, SYSTEM_OBJECT } from './audit-elements.js';

export { auditText } from './audit-elements.js';

/**
 * A store interaction, as the audit trail names it (the codes of http://hl7.org/fhir/restful-interaction):
 * the AuditEvent's subtype.
 */
export type AuditedInteraction =
  | 'create'
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'search-type'
  | 'transaction'
  | 'batch';

/**
 * What a gateway records itself, beside the store's interactions (see `StoreAccess.audit`): a FHIR operation
 * call (`operation`), an authentication that failed (`login`), a call to a function restricted to some callers,
 * such as administration or a route's requirements (`restricted-function`: refused, or used by an
 * administrator), and a credential issued or revoked (`credential-issued`, `credential-revoked`: an API key).
 */
export type GatewayActivity =
  | 'operation'
  | 'login'
  | 'restricted-function'
  | 'credential-issued'
  | 'credential-revoked';

/** Everything the audit trail records: a store interaction or a gateway's activity. */
export type AuditedActivity = AuditedInteraction | GatewayActivity;

/** The agent of a request nobody could be identified for: its credential was missing or not valid. */
export interface UnknownAgent {
  readonly kind: 'unknown';
  readonly id: 'unknown';
}

/** The agent of an audit entry that names no one: see {@link UnknownAgent}. */
export const UNKNOWN_AGENT: UnknownAgent = Object.freeze({ kind: 'unknown', id: 'unknown' });

/** Who acted, as an audit entry names them: a caller's {@link AccessContext}, or an unknown agent and its address. */
export interface AuditContext extends Omit<AccessContext, 'agent'> {
  readonly agent: Agent | UnknownAgent;
}

/** What happened, to record. */
export interface AuditEntry {
  readonly interaction: AuditedActivity;
  readonly context: AuditContext;
  /** `Type/id` of the resource acted on, when known. */
  readonly entity?: string;
  /** `Patient/id` whose data it was, when known. */
  readonly patient?: string;
  /** The resource type of a type-level interaction (search, type history), recorded when `entity` is absent. */
  readonly resourceType?: string;
  /** The query of a search or conditional write (`name=value&...`), recorded base64 in `entity.query`. */
  readonly query?: string;
  /** 'success', 'refused' (not allowed) or 'failed' (allowed, but it did not work). */
  readonly outcome: 'success' | 'refused' | 'failed';
  readonly detail?: string;
  /**
   * The operation invoked (`$everything`), or the restricted function called (`POST /admin/api-keys`, `mekong
   * token create`) for a restricted function or a credential issued or revoked.
   */
  readonly name?: string;
  /** The credential issued or revoked, for `credential-issued` and `credential-revoked`: never its secret. */
  readonly credential?: AuditedCredential;
  /** The gateway that observed it (its plugin id), when not the store itself. */
  readonly source?: string;
  readonly recorded: Date;
}

// Searches, Bundles, operations and logins are "execute" (E), as the IHE Basic Audit Log Patterns record queries.
// A revoked credential is deleted for good: its record stays, as a deleted resource's history does.
const ACTIONS: Record<AuditedActivity, 'C' | 'R' | 'U' | 'D' | 'E'> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  update: 'U',
  patch: 'U',
  delete: 'D',
  'history-instance': 'R',
  'history-type': 'R',
  'search-type': 'E',
  transaction: 'E',
  batch: 'E',
  operation: 'E',
  login: 'E',
  'restricted-function': 'E',
  'credential-issued': 'C',
  'credential-revoked': 'D',
};
// DICOM/FHIR audit outcome codes: 0 success, 4 minor failure (refused), 8 serious failure.
const OUTCOMES = { success: '0', refused: '4', failed: '8' } as const;

type AuditEntity = NonNullable<AuditEvent['entity']>[number];
type AuditAgent = AuditEvent['agent'][number];
type Coding = NonNullable<AuditEvent['subtype']>[number];

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST_TYPE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  code: 'rest',
  display: 'RESTful Operation',
};
// Logins, restricted functions and credentials are DICOM security events, as IHE ATNA records them. A
// credential issued or revoked changes a user's security attributes (110137): what one key or person may do.
// 110136, Security Roles Changed, is for the roles themselves, which change only in the configuration.
const SECURITY_ALERT: Coding = { system: DCM, code: '110113', display: 'Security Alert' };
const USER_ATTRIBUTES_CHANGED: Coding = { system: DCM, code: '110137', display: 'User security Attributes Changed' };
const TYPES: Partial<Record<AuditedActivity, Coding>> = {
  login: { system: DCM, code: '110114', display: 'User Authentication' },
  'restricted-function': SECURITY_ALERT,
  'credential-issued': SECURITY_ALERT,
  'credential-revoked': SECURITY_ALERT,
};
const SUBTYPES: Partial<Record<AuditedActivity, Coding>> = {
  login: { system: DCM, code: '110122', display: 'Login' },
  'restricted-function': { system: DCM, code: '110132', display: 'Use of Restricted Function' },
  'credential-issued': USER_ATTRIBUTES_CHANGED,
  'credential-revoked': USER_ATTRIBUTES_CHANGED,
};
/** The system of the operation name, a second subtype of an operation's AuditEvent. */
export const OPERATION_SYSTEM = 'urn:mekong:operation';

/**
 * The activities a gateway's DICOM subtype code stands for (`110122`: `login`; `110137`: a credential issued
 * or revoked), for searches by subtype; empty for a code of no activity.
 */
export function activitiesOfSubtype(code: string): AuditedActivity[] {
  return Object.entries(SUBTYPES)
    .filter(([, coding]) => coding?.code === code)
    .map(([activity]) => activity as AuditedActivity);
}

/** Activities that name the function called (`POST /admin/api-keys`) as an entity. */
const NAMED_FUNCTIONS: readonly AuditedActivity[] = ['restricted-function', 'credential-issued', 'credential-revoked'];

/** The event's subtypes: the interaction (restful-interaction) or the DICOM event, and an operation's name. */
function subtypesOf(entry: AuditEntry): Coding[] {
  const own = SUBTYPES[entry.interaction] ?? {
    system: 'http://hl7.org/fhir/restful-interaction',
    code: entry.interaction,
  };
  // A code holds no whitespace: gateways name operations `$code`, but an entry may hold any text.
  const operation =
    entry.interaction === 'operation' && entry.name
      ? [{ system: OPERATION_SYSTEM, code: auditText(entry.name).replace(/\s+/g, '-') }]
      : [];
  return [own, ...operation];
}

/**
 * The resource acted on (or the type and query of a type-level interaction), or the credential issued or
 * revoked; then the patient, then the restricted function called.
 */
function entitiesOf(entry: AuditEntry): AuditEntity[] {
  const query = entry.query ? { query: Buffer.from(entry.query).toString('base64') } : {};
  const type = entry.resourceType
    ? { type: { system: 'http://hl7.org/fhir/resource-types', code: entry.resourceType } }
    : {};
  const subject: AuditEntity[] = entry.entity
    ? [{ what: { reference: entry.entity }, ...query }]
    : entry.resourceType || entry.query
      ? [{ ...type, ...query }]
      : [];
  const patient: AuditEntity[] =
    entry.patient && entry.patient !== entry.entity
      ? [
          {
            what: { reference: entry.patient },
            role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
          },
        ]
      : [];
  const credential: AuditEntity[] = entry.credential ? [credentialEntity(entry.credential)] : [];
  const restricted: AuditEntity[] =
    NAMED_FUNCTIONS.includes(entry.interaction) && entry.name
      ? [{ type: SYSTEM_OBJECT, name: auditText(entry.name) }]
      : [];
  return [...subject, ...credential, ...patient, ...restricted];
}

/** The requestor (a known agent, or only the address of an unknown one), then the plugin and the client. */
function agentsOf(context: AuditContext): AuditAgent[] {
  const { agent, plugin, client, address } = context;
  const network = address ? { network: { address: auditText(address), type: '2' as const } } : {};
  // An unknown agent has no identity to record: only where the request came from.
  const who =
    agent.kind === 'unknown'
      ? {}
      : {
          who: {
            identifier: agentIdentifier(agent),
            ...(agent.display ? { display: auditText(agent.display) } : {}),
          },
        };
  return [
    { type: { text: agent.kind }, ...who, requestor: true, ...network },
    ...(plugin
      ? [
          {
            type: { text: 'plugin' },
            who: { identifier: { system: 'urn:mekong:plugin', value: plugin } },
            requestor: false,
          },
        ]
      : []),
    ...(client
      ? [
          {
            type: { text: 'client' },
            who: { identifier: { system: 'urn:mekong:client', value: auditText(client) } },
            requestor: false,
          },
        ]
      : []),
  ];
}

/**
 * Renders an entry as a FHIR AuditEvent: a RESTful interaction or operation, a failed login (DICOM User
 * Authentication), the use of a restricted function or a credential issued or revoked (DICOM Security Alert).
 */
export function toAuditEvent(entry: AuditEntry): AuditEvent {
  const entities = entitiesOf(entry);
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: TYPES[entry.interaction] ?? REST_TYPE,
    subtype: subtypesOf(entry),
    action: ACTIONS[entry.interaction],
    recorded: entry.recorded.toISOString(),
    outcome: OUTCOMES[entry.outcome],
    ...(entry.detail ? { outcomeDesc: auditText(entry.detail) } : {}),
    agent: agentsOf(entry.context),
    source: { observer: { display: `mekong ${entry.source ?? 'store'}` } },
    ...(entities.length > 0 ? { entity: entities } : {}),
  };
}
