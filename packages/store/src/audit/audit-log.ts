import type { AuditEvent } from '@mekong/fhir';
import { ResourceNotFoundError } from '../errors.js';
import { indexedText } from '../search/indexed-text.js';
import type { SqlClient } from '../sql/sql-client.js';
import { sharedStatements } from '../sql/statement-scope.js';
import { type AuditEntry, auditText, toAuditEvent } from './audit-event.js';

const COLUMNS = 8;
/** Most entries one group commit writes: bounds the statement's size. */
const MAX_GROUP = 200;
const INSERT = 'insert into mekong_audit (id, recorded, agent, action, outcome, entity, patient, content)';

function valuesAt(first: number): string {
  const p = (c: number) => `$${first + c}`;
  return `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::jsonb)`;
}

const INSERT_ONE = `${INSERT} values ${valuesAt(1)}`;
// One text for any number of rows (a column of values per parameter), so it is prepared once.
const INSERT_MANY = `${INSERT} select * from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
  $6::text[], $7::text[], $8::jsonb[])`;

/** An entry as the row that stores it: the AuditEvent and its indexed columns. */
export interface AuditRow {
  readonly event: AuditEvent;
  /** The row's parameters, in the order {@link auditInsertClause} numbers them. */
  readonly params: readonly unknown[];
}

/**
 * Renders an entry as a FHIR AuditEvent and the parameters of its row. Not validated again here (every read
 * would pay for it): toAuditEvent makes valid events of any entry, as a property test shows.
 */
export function auditRow(entry: AuditEntry): AuditRow {
  const event = toAuditEvent(entry);
  return {
    event,
    params: [
      event.id,
      event.recorded,
      // Indexed (B-tree) and never searched by: its leading part (searches by agent read the event's identifiers).
      indexedText(`${entry.context.agent.kind}:${auditText(entry.context.agent.id)}`),
      entry.interaction,
      entry.outcome,
      entry.entity ?? null,
      entry.patient ?? null,
      JSON.stringify(event),
    ],
  };
}

/**
 * A `with` clause that inserts one audit row, for a write's statement to include: the record commits with the
 * write, in the same round trip. The row's parameters ({@link AuditRow.params}) are numbered from `first`.
 */
export function auditInsertClause(first: number): string {
  return `audit_record as (${INSERT} values ${valuesAt(first)})`;
}

interface Pending {
  readonly row: readonly unknown[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Options of an {@link AuditLog}. */
export interface AuditLogOptions {
  /**
   * Group commit: entries recorded outside a transaction while an insert is in flight are written together by
   * the next one, as one statement (each `record` still resolves only once its entry is committed). One round
   * trip and one commit for many concurrent reads instead of one each. Default false.
   */
  readonly groupCommit?: boolean;
  /**
   * Where group-committed entries are written, when not the log's database: the store plugin gives connections
   * that commit asynchronously here when `auditCommit` is 'asynchronous'. Entries recorded inside a write's
   * transaction always commit with it.
   */
  readonly groupDb?: SqlClient;
}

/** The append-only audit trail (the database refuses updates and deletes of it). */
export class AuditLog {
  private readonly pending: Pending[] = [];
  private writing = false;

  constructor(
    private readonly db: SqlClient,
    private readonly options: AuditLogOptions = {},
  ) {}

  /**
   * Records one entry as a validated FHIR AuditEvent, committed when the promise resolves; inside `tx` when
   * given, so it commits with a write.
   */
  async record(entry: AuditEntry, tx?: SqlClient): Promise<AuditEvent> {
    const { event, params } = auditRow(entry);
    if (tx || !this.options.groupCommit) await (tx ?? this.db).query(INSERT_ONE, params, { prepared: true });
    else await this.inGroup(params);
    return event;
  }

  private inGroup(row: readonly unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      // A group serves several callers: one caller running out of time must not cancel the others' records.
      if (!this.writing) void sharedStatements(() => this.writeGroups());
    });
  }

  /** Writes what is pending, group after group, until nothing is; one group in flight at a time. */
  private async writeGroups(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const group = this.pending.splice(0, MAX_GROUP);
        try {
          const columns = Array.from({ length: COLUMNS }, (_, c) => group.map((entry) => entry.row[c]));
          await (this.options.groupDb ?? this.db).query(INSERT_MANY, columns, { prepared: true });
          for (const entry of group) entry.resolve();
        } catch (error) {
          for (const entry of group) entry.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
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
