import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@mekong/fhir';
import type { AccessContext, Agent } from '../access/access-context.js';

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
 * call (`operation`), an authentication that failed (`login`), a refused call to a function restricted to some
 * callers, such as administration or a route's requirements (`restricted-function`).
 */
export type GatewayActivity = 'operation' | 'login' | 'restricted-function';

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
  /** The operation invoked (`$everything`), or the restricted function called (`POST /admin/api-keys`). */
  readonly name?: string;
  /** The gateway that observed it (its plugin id), when not the store itself. */
  readonly source?: string;
  readonly recorded: Date;
}

// Searches, Bundles, operations and logins are "execute" (E), as the IHE Basic Audit Log Patterns record queries.
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
// Logins and restricted functions are DICOM security events, as IHE ATNA records them.
const TYPES: Partial<Record<AuditedActivity, Coding>> = {
  login: { system: DCM, code: '110114', display: 'User Authentication' },
  'restricted-function': { system: DCM, code: '110113', display: 'Security Alert' },
};
const SUBTYPES: Partial<Record<AuditedActivity, Coding>> = {
  login: { system: DCM, code: '110122', display: 'Login' },
  'restricted-function': { system: DCM, code: '110132', display: 'Use of Restricted Function' },
};
/** The system of the operation name, a second subtype of an operation's AuditEvent. */
export const OPERATION_SYSTEM = 'urn:mekong:operation';

/**
 * Text from callers (token claims, error messages quoting a request) as a valid FHIR string: control
 * characters other than tab, CR and LF become U+FFFD, and empty text a visible placeholder. Otherwise one bad
 * claim would make every audit record invalid, and every request it makes fail unaudited.
 */
export function auditText(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters FHIR strings may not hold
  const clean = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd');
  return clean === '' ? '(empty)' : clean;
}

/** The DICOM code of a gateway activity's subtype (`110122` for `login`), for searches by subtype. */
export function activityOfSubtype(code: string): AuditedActivity | undefined {
  const found = Object.entries(SUBTYPES).find(([, coding]) => coding?.code === code);
  return found?.[0] as AuditedActivity | undefined;
}

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
 * The resource acted on (or the type and query of a type-level interaction), then the patient, then the
 * restricted function called.
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
  const restricted: AuditEntity[] =
    entry.interaction === 'restricted-function' && entry.name
      ? [
          {
            type: {
              system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
              code: '2',
              display: 'System Object',
            },
            name: auditText(entry.name),
          },
        ]
      : [];
  return [...subject, ...patient, ...restricted];
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
            identifier: { system: `urn:mekong:${agent.kind}`, value: auditText(agent.id) },
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
 * Authentication), or the use of a restricted function (DICOM Security Alert).
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
