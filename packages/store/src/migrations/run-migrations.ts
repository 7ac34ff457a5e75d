import { StoreError } from '../errors.js';
import type { SqlClient } from '../sql/sql-client.js';
import { checksumOf, type Migration, type MigrationSet } from './migration.js';

/** What a migration run did (or, in a dry run, would do). */
export interface MigrationReport {
  readonly dryRun: boolean;
  /** `owner@version` of each migration applied (or pending, in a dry run), in order. */
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
}

/** A migration applied earlier no longer matches the code, or the database has one the code does not know. */
export class MigrationError extends StoreError {
  constructor(message: string, hint: string, cause?: unknown) {
    super({ code: 'MIGRATION_FAILED', status: 500, message, hint, cause });
  }
}

const LEDGER = `create table if not exists mekong_migration (
  owner text not null,
  version text not null,
  description text not null,
  checksum text not null,
  applied_at timestamptz not null default now(),
  primary key (owner, version)
)`;

/**
 * Applies pending migrations of each set, in the order given (dependencies first) and in version order
 * within a set, in one transaction under an advisory lock, so several processes starting together apply
 * each migration once. Refuses to run when an applied migration's checksum changed.
 */
export async function runMigrations(
  db: SqlClient,
  sets: readonly MigrationSet[],
  options: { dryRun?: boolean } = {},
): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('mekong_migration'))`);
    await tx.query(LEDGER);
    const { rows } = await tx.query<{ owner: string; version: string; checksum: string }>(
      'select owner, version, checksum from mekong_migration',
    );
    const applied = new Map(rows.map((r) => [`${r.owner}@${r.version}`, r.checksum]));
    const pending: { owner: string; migration: Migration }[] = [];
    for (const set of sets) {
      const versions = [...set.migrations].sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
      for (const migration of versions) {
        const key = `${set.owner}@${migration.version}`;
        const recorded = applied.get(key);
        if (recorded === undefined) {
          pending.push({ owner: set.owner, migration });
        } else if (recorded !== checksumOf(migration)) {
          throw new MigrationError(
            `migration ${key} (${migration.description}) was changed after it was applied (checksum ${recorded.slice(0, 12)} in the database, ${checksumOf(migration).slice(0, 12)} in the code)`,
            `restore ${key} as it was and put the change in a new migration of '${set.owner}'`,
          );
        }
      }
      const known = new Set(set.migrations.map((m) => m.version));
      for (const row of rows) {
        if (row.owner === set.owner && !known.has(row.version)) {
          throw new MigrationError(
            `the database has migration ${row.owner}@${row.version}, which this version of '${row.owner}' does not know`,
            `run a version of '${row.owner}' that includes ${row.version} (the database is newer than the code)`,
          );
        }
      }
    }
    if (!options.dryRun) {
      for (const { owner, migration } of pending) {
        try {
          await tx.exec(migration.sql);
        } catch (error) {
          throw new MigrationError(
            `migration ${owner}@${migration.version} (${migration.description}) failed: ${(error as Error).message}`,
            `fix the SQL of ${owner}@${migration.version}; nothing of this run was applied`,
            error,
          );
        }
        await tx.query('insert into mekong_migration (owner, version, description, checksum) values ($1, $2, $3, $4)', [
          owner,
          migration.version,
          migration.description,
          checksumOf(migration),
        ]);
      }
    }
    return {
      dryRun: options.dryRun ?? false,
      applied: pending.map(({ owner, migration }) => `${owner}@${migration.version}`),
      alreadyApplied: applied.size,
    };
  });
}
