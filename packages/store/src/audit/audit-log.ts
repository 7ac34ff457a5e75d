import type { AuditEvent } from '@mekong/fhir';
import { parseResource } from '@mekong/fhir';
import { ResourceNotFoundError } from '../errors.js';
import type { SqlClient } from '../sql/sql-client.js';
import { type AuditEntry, toAuditEvent } from './audit-event.js';

/** The append-only audit trail (the database refuses updates and deletes of it). */
export class AuditLog {
  constructor(private readonly db: SqlClient) {}

  /** Records one entry as a validated FHIR AuditEvent; inside `tx` when given, so it commits with a write. */
  async record(entry: AuditEntry, tx: SqlClient = this.db): Promise<AuditEvent> {
    const event = parseResource(toAuditEvent(entry), 'AuditEvent');
    const agent = `${entry.context.agent.kind}:${entry.context.agent.id}`;
    await tx.query(
      `insert into mekong_audit (id, recorded, agent, action, outcome, entity, patient, content)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [
        event.id,
        event.recorded,
        agent,
        entry.interaction,
        entry.outcome,
        entry.entity ?? null,
        entry.patient ?? null,
        JSON.stringify(event),
      ],
    );
    return event;
  }

  /** One audit event by id. */
  async read(id: string): Promise<AuditEvent> {
    const { rows } = await this.db.query<{ content: AuditEvent }>('select content from mekong_audit where id = $1', [
      id,
    ]);
    if (!rows[0]) throw new ResourceNotFoundError(`AuditEvent/${id}`);
    return rows[0].content;
  }

  /** Audit events, oldest first, optionally those about one patient (`Patient/id`). */
  async list(filter: { patient?: string } = {}): Promise<AuditEvent[]> {
    const { rows } = await this.db.query<{ content: AuditEvent }>(
      filter.patient
        ? 'select content from mekong_audit where patient = $1 order by seq'
        : 'select content from mekong_audit order by seq',
      filter.patient ? [filter.patient] : [],
    );
    return rows.map((row) => row.content);
  }
}
