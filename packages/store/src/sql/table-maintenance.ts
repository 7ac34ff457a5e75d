import type { SqlClient } from './sql-client.js';

/** What one {@link TableMaintenance.check} did, by table name. */
export interface MaintenanceReport {
  /** Tables vacuumed and analyzed. */
  readonly vacuumed: readonly string[];
  /** Tables analyzed only. */
  readonly analyzed: readonly string[];
}

/** Options of {@link TableMaintenance}. */
export interface TableMaintenanceOptions {
  /** Writes counted by {@link TableMaintenance.wrote} before a check is scheduled (default 500). */
  readonly checkAfterWrites?: number;
  /** How long after it is scheduled the check runs, off the writer's path (default 1,000 ms). */
  readonly delayMs?: number;
  /** Told what each check that did something did, and how long it took. */
  readonly onCheck?: (report: MaintenanceReport, ms: number) => void;
  /** Told of a scheduled check that failed (it never throws into a writer). */
  readonly onError?: (error: unknown) => void;
}

// PostgreSQL's autovacuum defaults: analyze after 50 + 10% of the rows changed; vacuum after 50 + 20% died or
// 1,000 + 20% were inserted (which sets the visibility map that index-only scans need to skip the table).
const ANALYZE = { base: 50, share: 0.1 };
const VACUUM_DEAD = { base: 50, share: 0.2 };
const VACUUM_INSERTED = { base: 1_000, share: 0.2 };

interface TableState {
  qualified: string;
  name: string;
  /** Rows at the last VACUUM or ANALYZE; -1 when the table was never analyzed. */
  tuples: number;
  filled: boolean;
  dead: number;
  modified: number;
  inserted: number;
}

/**
 * Autovacuum for a database that has none: PGlite runs no background workers, so after a bulk load its tables
 * keep the statistics of when they were empty (the planner then guesses, and can pick plans that grow with the
 * square of the rows) and an empty visibility map (every index-only scan reads the table too). This applies
 * autovacuum's thresholds to the tables of the current schema: {@link check} vacuums and analyzes those past
 * them; {@link wrote} counts writes and schedules a check off the writer's path every so many.
 *
 * On PGlite a VACUUM or ANALYZE holds the process while it runs (about half a second for the tables of 12,000
 * Observations), as any statement does; the thresholds grow with the tables, so it runs rarely.
 */
export class TableMaintenance {
  private readonly checkAfterWrites: number;
  private readonly delayMs: number;
  private writes = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<MaintenanceReport> | undefined;
  private stopped = false;

  constructor(
    private readonly db: SqlClient,
    private readonly options: TableMaintenanceOptions = {},
  ) {
    this.checkAfterWrites = options.checkAfterWrites ?? 500;
    this.delayMs = options.delayMs ?? 1_000;
  }

  /** Counts one write; every `checkAfterWrites` of them, schedules a check. */
  wrote(): void {
    this.writes++;
    if (this.writes < this.checkAfterWrites || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.check().catch((error: unknown) => this.options.onError?.(error));
    }, this.delayMs);
    this.timer.unref();
  }

  /**
   * Vacuums and analyzes the tables of the current schema that are past autovacuum's thresholds, or were never
   * analyzed and hold rows; waits for a check already running instead of starting another.
   */
  check(): Promise<MaintenanceReport> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No more scheduled checks; waits for one that is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<MaintenanceReport> {
    const started = performance.now();
    this.writes = 0;
    const { rows } = await this.db.query<TableState>(
      `select format('%I.%I', s.schemaname, s.relname) as qualified, s.relname as name,
         c.reltuples::float8 as tuples, pg_relation_size(c.oid) > 0 as filled, s.n_dead_tup::float8 as dead,
         s.n_mod_since_analyze::float8 as modified, s.n_ins_since_vacuum::float8 as inserted
       from pg_stat_user_tables s join pg_class c on c.oid = s.relid
       where s.schemaname = current_schema()
       order by s.relname`,
    );
    const past = (count: number, tuples: number, limit: { base: number; share: number }) =>
      count > limit.base + limit.share * Math.max(tuples, 0);
    const neverAnalyzed = (t: TableState) => t.tuples < 0 && t.filled;
    const vacuum = rows.filter(
      (t) => neverAnalyzed(t) || past(t.dead, t.tuples, VACUUM_DEAD) || past(t.inserted, t.tuples, VACUUM_INSERTED),
    );
    const analyze = rows.filter((t) => !vacuum.includes(t) && past(t.modified, t.tuples, ANALYZE));
    // VACUUM cannot run in a transaction block: one statement each, outside any.
    if (vacuum.length) await this.db.query(`vacuum (analyze) ${vacuum.map((t) => t.qualified).join(', ')}`);
    if (analyze.length) await this.db.query(`analyze ${analyze.map((t) => t.qualified).join(', ')}`);
    const report = { vacuumed: vacuum.map((t) => t.name), analyzed: analyze.map((t) => t.name) };
    if (vacuum.length || analyze.length) this.options.onCheck?.(report, performance.now() - started);
    return report;
  }
}
