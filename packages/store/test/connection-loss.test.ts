import { randomUUID } from 'node:crypto';
import { createPostgresSchema, type PostgresSchema } from '@mekong/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, DatabaseUnavailableError, type SqlClient } from '../src/index.js';

// PostgreSQL only: the embedded PGlite has no connection to lose.

let schema: PostgresSchema;
beforeAll(async () => {
  schema = await createPostgresSchema('loss');
});
afterAll(() => schema.drop());

/** A pool whose connections carry an application name of their own, so the test kills only them. */
function pool(options: { max?: number; connectTimeoutMs?: number } = {}) {
  const name = `mekong-loss-${randomUUID()}`;
  const url = new URL(schema.url);
  url.searchParams.set('application_name', name);
  const logged: string[] = [];
  const db = connectPostgres({
    connectionString: url.toString(),
    ...options,
    log: { warn: (_, message) => void logged.push(`warn: ${message}`), info: (_, m) => void logged.push(`info: ${m}`) },
  });
  const terminate = () =>
    schema.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [name]);
  return { db, logged, terminate };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lost PostgreSQL connections', () => {
  let db: SqlClient | undefined;
  afterAll(() => db?.close());

  it('end no process: a transaction whose connection dies fails with 503, idle ones are replaced, one outage is logged', async () => {
    const loss = pool({ max: 3 });
    db = loss.db;
    await db.query('create table loss_row (n int)');
    // Three idle connections in the pool, then a fourth checked out in a transaction when all of them die.
    await Promise.all([1, 2, 3].map(() => loss.db.query('select pg_sleep(0.05)')));
    const failed = db.transaction(async (tx) => {
      await tx.query('insert into loss_row values (1)');
      await loss.terminate();
      await sleep(200); // the connection learns it was terminated while no statement of it runs
      await tx.query('insert into loss_row values (2)');
    });
    await expect(failed).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failed).rejects.toMatchObject({ status: 503, reason: 'connection-lost', outcomeUnknown: false });
    // The pool connects again; nothing of the transaction was committed.
    expect((await db.query<{ n: number }>('select count(*)::int as n from loss_row')).rows[0]?.n).toBe(0);
    expect(loss.logged).toEqual([
      'warn: lost the connection to PostgreSQL: requests that need the database are answered 503 until it is back',
      'info: PostgreSQL is reachable again',
    ]);
  });

  it('fail with 503 when the server is not there, or when every connection stays busy', async () => {
    const nowhere = connectPostgres({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 1000,
    });
    const refused = nowhere.query('select 1');
    await expect(refused).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503, reason: 'unreachable' });
    await expect(refused).rejects.toThrow(/the database is not reachable \(connect ECONNREFUSED 127\.0\.0\.1:1\)/);
    await nowhere.close();

    const busy = pool({ max: 1, connectTimeoutMs: 200 });
    let release: () => void = () => undefined;
    const held = busy.db.transaction(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(50);
    await expect(busy.db.query('select 1')).rejects.toMatchObject({ status: 503, reason: 'busy' });
    release();
    await held;
    expect((await busy.db.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await busy.db.close();
  });
});
