import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '@mekong/fhir';
import type { AccessContext } from '../access/access-context.js';

/** A store interaction, as the audit trail names it. */
export type AuditedInteraction = 'create' | 'read' | 'vread' | 'update' | 'delete' | 'history-instance';

/** What happened, to record. */
export interface AuditEntry {
  readonly interaction: AuditedInteraction;
  readonly context: AccessContext;
  /** `Type/id` of the resource acted on, when known. */
  readonly entity?: string;
  /** `Patient/id` whose data it was, when known. */
  readonly patient?: string;
  /** 'success', 'refused' (not allowed) or 'failed' (allowed, but it did not work). */
  readonly outcome: 'success' | 'refused' | 'failed';
  readonly detail?: string;
  readonly recorded: Date;
}

const ACTIONS: Record<AuditedInteraction, 'C' | 'R' | 'U' | 'D'> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  update: 'U',
  delete: 'D',
  'history-instance': 'R',
};
// DICOM/FHIR audit outcome codes: 0 success, 4 minor failure (refused), 8 serious failure.
const OUTCOMES = { success: '0', refused: '4', failed: '8' } as const;

/** Renders an entry as a FHIR AuditEvent (RESTful interaction). */
export function toAuditEvent(entry: AuditEntry): AuditEvent {
  const { agent, plugin, address } = entry.context;
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
    ...(entry.detail ? { outcomeDesc: entry.detail } : {}),
    agent: [
      {
        type: { text: agent.kind },
        who: {
          identifier: { system: `urn:mekong:${agent.kind}`, value: agent.id },
          ...(agent.display ? { display: agent.display } : {}),
        },
        requestor: true,
        ...(address ? { network: { address, type: '2' as const } } : {}),
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
    ],
    source: { observer: { display: 'mekong store' } },
    ...(entry.entity || entry.patient
      ? {
          entity: [
            ...(entry.entity ? [{ what: { reference: entry.entity } }] : []),
            ...(entry.patient && entry.patient !== entry.entity
              ? [
                  {
                    what: { reference: entry.patient },
                    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
                  },
                ]
              : []),
          ],
        }
      : {}),
  };
}
