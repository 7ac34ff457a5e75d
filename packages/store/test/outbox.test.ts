import { afterEach, describe, expect, it } from 'vitest';
import {
  Outbox,
  type OutboxEvent,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)('transactional outbox on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  afterEach(async () => dispose?.());
  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    store = new ResourceStore(db);
  };

  it('every committed write emits its event, in order; a rejected write emits none', async () => {
    await open();
    const outbox = new Outbox(db);
    const seen: OutboxEvent[] = [];
    await outbox.subscribe('census', ['resource.created', 'resource.updated', 'resource.deleted'], (e) => {
      seen.push(e);
    });
    const patient = await store.create({ resourceType: 'Patient' });
    await store.update({ ...patient, gender: 'male' }, { ifMatch: '1' });
    await expect(store.update({ ...patient, gender: 'female' }, { ifMatch: '1' })).rejects.toThrow(/version 2, not 1/);
    await expect(store.create({ resourceType: 'Patient', gender: 'nope' } as never)).rejects.toThrow();
    await store.delete('Patient', patient.id);
    expect(await outbox.dispatch()).toBe(3);
    expect(seen.map((e) => [e.topic, e.payload, e.attempt])).toEqual([
      ['resource.created', { resourceType: 'Patient', id: patient.id, versionId: '1' }, 1],
      ['resource.updated', { resourceType: 'Patient', id: patient.id, versionId: '2' }, 1],
      ['resource.deleted', { resourceType: 'Patient', id: patient.id, versionId: '3' }, 1],
    ]);
    expect(await outbox.dispatch()).toBe(0);
  });

  it('retries with backoff, then keeps a dead letter', async () => {
    await open();
    const outbox = new Outbox(db, { maxAttempts: 3, backoffMs: 20 });
    let flaky = 0;
    const attempts: number[] = [];
    await outbox.subscribe('flaky', ['resource.created'], (e) => {
      if (flaky++ === 0) throw new Error('bed board offline');
      attempts.push(e.attempt);
    });
    await outbox.subscribe('broken', ['resource.created'], () => {
      throw new Error('claims gateway refused the message');
    });
    await store.create({ resourceType: 'Patient' });
    for (let round = 0; round < 8 && (await outbox.deadLetters()).length === 0; round++) {
      await outbox.dispatch();
      await sleep(50);
    }
    expect(attempts).toEqual([2]);
    const [dead] = await outbox.deadLetters();
    expect(dead).toMatchObject({ subscriber: 'broken', attempts: 3, lastError: 'claims gateway refused the message' });
    expect(dead?.event.topic).toBe('resource.created');
  });

  it('several dispatchers on one database deliver each event once', async () => {
    await open();
    const handled: string[] = [];
    const record = (e: OutboxEvent) => {
      handled.push(e.id);
    };
    const first = new Outbox(db, { batchSize: 5 });
    await first.subscribe('index', ['resource.created'], record);
    // A second process: on PostgreSQL its own connection pool; PGlite has one connection per process.
    const other = backend === 'postgres' ? await isolatedOther(db) : { db, close: async () => {} };
    const second = new Outbox(other.db, { batchSize: 5 });
    await second.subscribe('index', ['resource.created'], record);
    for (let i = 0; i < 40; i++) await store.create({ resourceType: 'Patient' });
    let rounds = 0;
    while (handled.length < 40 && rounds++ < 50) await Promise.all([first.dispatch(), second.dispatch()]);
    await other.close();
    expect(handled).toHaveLength(40);
    expect(new Set(handled).size).toBe(40);
  });

  it('delivers again after a dispatcher died holding a delivery (at least once)', async () => {
    await open();
    const crashed = new Outbox(db, { leaseMs: 100 });
    await crashed.subscribe('export', ['resource.created'], () => new Promise<void>(() => {})); // never returns
    await store.create({ resourceType: 'Patient' });
    void crashed.dispatch();
    await sleep(20);
    const survivor = new Outbox(db, { leaseMs: 100 });
    const seen: number[] = [];
    await survivor.subscribe('export', ['resource.created'], (e) => {
      seen.push(e.attempt);
    });
    expect(await survivor.dispatch()).toBe(0); // still leased by the dead one
    await sleep(150);
    expect(await survivor.dispatch()).toBe(1);
    expect(seen).toEqual([2]);
  });
});

/** A second connection pool to the same schema, as another process would have. */
async function isolatedOther(db: SqlClient) {
  const { connectPostgres } = await import('../src/index.js');
  const { testPostgresUrl } = await import('@mekong/testing');
  const { rows } = await db.query<{ schema: string }>('select current_schema() as schema');
  const url = new URL(testPostgresUrl);
  url.searchParams.set('options', `-c search_path=${rows[0]?.schema}`);
  const other = connectPostgres({ connectionString: url.toString(), max: 4 });
  return { db: other, close: () => other.close() };
}
