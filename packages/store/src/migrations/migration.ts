import { createHash } from 'node:crypto';

/** One schema change. Immutable once applied: change the schema with a new migration. */
export interface Migration {
  /** Sortable, unique within its owner: `0001`, `0002`, ... */
  readonly version: string;
  readonly description: string;
  readonly sql: string;
}

/** The migrations of one owner (the store itself, or a plugin), applied in version order. */
export interface MigrationSet {
  /** The owner's id: `store`, or the plugin id. */
  readonly owner: string;
  readonly migrations: readonly Migration[];
}

/** The checksum recorded for an applied migration. */
export function checksumOf(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex');
}
