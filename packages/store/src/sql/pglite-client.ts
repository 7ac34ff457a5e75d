import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { QueryResult, SqlClient } from './sql-client.js';

/**
 * Opens an embedded PostgreSQL (PGlite). `dataDir` persists it to a directory; without one it lives in memory.
 * Opening a new instance costs seconds: open one per process and share it.
 */
export async function openPglite(options: { dataDir?: string } = {}): Promise<SqlClient> {
  const db = options.dataDir ? await PGlite.create(options.dataDir) : await PGlite.create();
  return pgliteClient(db, db);
}

type Queryable = Pick<Transaction, 'query' | 'exec'>;

function pgliteClient(db: PGlite, target: Queryable): SqlClient {
  return {
    backend: 'pglite',
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
    transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      if (target !== db) return work(this); // already inside one: PGlite has no nested transactions
      return db.transaction((tx) => work(pgliteClient(db, tx)));
    },
    async close() {
      if (target === db) await db.close();
    },
  };
}
