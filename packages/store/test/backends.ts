import { randomUUID } from 'node:crypto';
import { createPostgresSchema } from '@mekong/testing';
import { afterAll } from 'vitest';
import { connectPostgres, openPglite, type SqlClient } from '../src/index.js';

/** Both backends run every store test. PostgreSQL must be reachable: a missing server fails the tests. */
export const backends = ['pglite', 'postgres'] as const;
export type Backend = (typeof backends)[number];

// Opening PGlite costs seconds: one instance per test file, each test in its own schema.
let pglite: Promise<SqlClient> | undefined;
afterAll(async () => {
  await (await pglite)?.close();
});

/**
 * A database for one test: an empty schema on the backend, dropped by `dispose`. `connectAgain` opens another
 * client on it, as another server process would (on PGlite: another client object over the same instance).
 */
export async function isolatedDatabase(
  backend: Backend,
): Promise<{ db: SqlClient; connectAgain(): SqlClient; dispose(): Promise<void> }> {
  if (backend === 'pglite') {
    const schema = `t_${randomUUID().replaceAll('-', '')}`;
    pglite ??= openPglite();
    const db = await pglite;
    await db.query(`create schema ${schema}`);
    await db.query(`set search_path to ${schema}`);
    return {
      db,
      connectAgain: () => ({
        backend: db.backend,
        query: (text, params, options) => db.query(text, params, options),
        exec: (script) => db.exec(script),
        transaction: (work) => db.transaction(work),
        close: async () => {},
      }),
      dispose: async () => {
        await db.query('set search_path to public');
        await db.query(`drop schema ${schema} cascade`);
      },
    };
  }
  const postgres = await createPostgresSchema('t');
  const db = connectPostgres({ connectionString: postgres.url, max: 8 });
  const others: SqlClient[] = [];
  return {
    db,
    connectAgain: () => {
      const other = connectPostgres({ connectionString: postgres.url, max: 2 });
      others.push(other);
      return other;
    },
    dispose: async () => {
      for (const other of others) await other.close();
      await db.close();
      await postgres.drop();
    },
  };
}
