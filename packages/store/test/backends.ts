import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { connectPostgres, openPglite, type SqlClient } from '../src/index.js';

/** Both backends run every store test. PostgreSQL must be reachable: a missing server fails the tests. */
export const backends = ['pglite', 'postgres'] as const;
export type Backend = (typeof backends)[number];

export const postgresUrl = process.env.MEKONG_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Opening PGlite costs seconds: one instance per test file, each test in its own schema.
let pglite: Promise<SqlClient> | undefined;
afterAll(async () => {
  await (await pglite)?.close();
});

/** A database for one test: an empty schema on the backend, dropped by `dispose`. */
export async function isolatedDatabase(backend: Backend): Promise<{ db: SqlClient; dispose(): Promise<void> }> {
  const schema = `t_${randomUUID().replaceAll('-', '')}`;
  if (backend === 'pglite') {
    pglite ??= openPglite();
    const db = await pglite;
    await db.query(`create schema ${schema}`);
    await db.query(`set search_path to ${schema}`);
    return {
      db,
      dispose: async () => {
        await db.query('set search_path to public');
        await db.query(`drop schema ${schema} cascade`);
      },
    };
  }
  const admin = connectPostgres({ connectionString: postgresUrl, max: 1 });
  await admin.query(`create schema ${schema}`);
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const db = connectPostgres({ connectionString: url.toString(), max: 8 });
  return {
    db,
    dispose: async () => {
      await db.close();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.close();
    },
  };
}
