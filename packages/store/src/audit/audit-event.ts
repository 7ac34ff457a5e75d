import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@mekong/fhir';
import type { AccessContext } from '../access/access-context.js';

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

/** What happened, to record. */
export interface AuditEntry {
  readonly interaction: AuditedInteraction;
  readonly context: AccessContext;
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
  readonly recorded: Date;
}

// Searches and Bundles are "execute" (E), as the IHE Basic Audit Log Patterns record queries.
const ACTIONS: Record<AuditedInteraction, 'C' | 'R' | 'U' | 'D' | 'E'> = {
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
};
// DICOM/FHIR audit outcome codes: 0 success, 4 minor failure (refused), 8 serious failure.
const OUTCOMES = { success: '0', refused: '4', failed: '8' } as const;

type AuditEntity = NonNullable<AuditEvent['entity']>[number];

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

/** The resource acted on (or the type and query of a type-level interaction), then the patient. */
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
  return [...subject, ...patient];
}

/** Renders an entry as a FHIR AuditEvent (RESTful interaction). */
export function toAuditEvent(entry: AuditEntry): AuditEvent {
  const entities = entitiesOf(entry);
  const { agent, plugin, client, address } = entry.context;
  return {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: entry.interaction }],
    action: ACTIONS[entry.interaction],
    recorded: entry.recorded.toISOString(),
    outcome: OUTCOMES[entry.outcome],
    ...(entry.detail ? { outcomeDesc: auditText(entry.detail) } : {}),
    agent: [
      {
        type: { text: agent.kind },
        who: {
          identifier: { system: `urn:mekong:${agent.kind}`, value: auditText(agent.id) },
          ...(agent.display ? { display: auditText(agent.display) } : {}),
        },
        requestor: true,
        ...(address ? { network: { address: auditText(address), type: '2' as const } } : {}),
      },
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
    ],
    source: { observer: { display: 'mekong store' } },
    ...(entities.length > 0 ? { entity: entities } : {}),
  };
}
