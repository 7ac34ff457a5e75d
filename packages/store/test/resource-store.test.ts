import { vnNamingSystems } from '@mekong/fhir';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidResourceError,
  ResourceDeletedError,
  ResourceNotFoundError,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
  VersionConflictError,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

const hoa = {
  resourceType: 'Patient' as const,
  name: [{ family: 'Nguyễn', given: ['Thị', 'Hoa'] }],
  gender: 'female' as const,
  birthDate: '1990-04-12',
  identifier: [{ system: vnNamingSystems.citizenId, value: '079190001234' }],
};

describe.each(backends)('resource store on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let tick = 0;
  afterEach(async () => dispose?.());
  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    store = new ResourceStore(db, { now: () => new Date(Date.UTC(2026, 0, 1, 8, 0, tick++)) });
  };
  /** Versions stored: the current ones, and the history of those they replaced. */
  const count = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          'select ((select count(*) from mekong_resource) + (select count(*) from mekong_resource_history))::text as n',
        )
      ).rows[0]?.n,
    );

  it('creates with a server id and meta, whatever the client sent, and reads it back', async () => {
    await open();
    const created = await store.create({
      ...hoa,
      id: 'chosen-by-client',
      meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', tag: [{ code: 'vip' }] },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.meta).toEqual({
      versionId: '1',
      lastUpdated: expect.stringMatching(/^2026-01-01T08:00:\d\d\.000Z$/),
      tag: [{ code: 'vip' }],
    });
    expect(await store.read('Patient', created.id as string)).toEqual(created);
    await expect(store.read('Patient', 'chosen-by-client')).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('updates with versions, vreads each version, lists history newest first', async () => {
    await open();
    const v1 = await store.create(hoa);
    const v2 = await store.update({ ...v1, telecom: [{ system: 'phone', value: '0901234567' }] }, { ifMatch: '1' });
    expect(v2.meta?.versionId).toBe('2');
    expect(await store.vread('Patient', v1.id as string, '1')).toEqual(v1);
    expect(await store.vread('Patient', v1.id as string, '2')).toEqual(v2);
    await expect(store.vread('Patient', v1.id as string, '3')).rejects.toThrow(/does not exist/);
    await expect(store.vread('Patient', v1.id as string, '1; drop table x')).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    expect((await store.history('Patient', v1.id as string)).map((v) => [v.versionId, v.deleted])).toEqual([
      ['2', false],
      ['1', false],
    ]);
  });

  it('update with an id creates the resource when it does not exist', async () => {
    await open();
    const made = await store.update({ ...hoa, id: 'hoa-1' });
    expect(made.meta?.versionId).toBe('1');
    await expect(store.update({ ...hoa, id: 'hoa-2' }, { ifMatch: '1' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(store.update(hoa)).rejects.toThrow(/Patient\.id: is required to update/);
  });

  it('refuses a stale version: the loser of a race gets a conflict, never a silent overwrite', async () => {
    await open();
    const v1 = await store.create(hoa);
    const results = await Promise.allSettled(
      ['0901', '0902', '0903', '0904', '0905'].map((phone) =>
        store.update({ ...v1, telecom: [{ system: 'phone', value: phone }] }, { ifMatch: '1' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const losers = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(losers).toHaveLength(4);
    for (const loser of losers) expect(loser).toBeInstanceOf(VersionConflictError);
    expect((losers[0] as Error).message).toMatch(/is at version 2, not 1: it was changed since you read it/);
    expect((await store.history('Patient', v1.id as string)).length).toBe(2);
  });

  it('property: concurrent writers with If-Match never lose an update', async () => {
    await open();
    const patient = await store.create(hoa);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }), async (rounds) => {
        const before = Number((await store.read('Patient', patient.id as string)).meta?.versionId);
        let won = 0;
        for (const writers of rounds) {
          const current = await store.read('Patient', patient.id as string);
          const outcomes = await Promise.allSettled(
            Array.from({ length: writers }, (_, i) =>
              store.update(
                { ...current, gender: i % 2 ? 'female' : 'other' },
                { ifMatch: current.meta?.versionId as string },
              ),
            ),
          );
          const wins = outcomes.filter((o) => o.status === 'fulfilled').length;
          if (wins !== 1)
            throw new Error(
              `wins ${wins}: ${outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))}`,
            );
          if (outcomes.some((o) => o.status === 'rejected' && !(o.reason instanceof VersionConflictError)))
            return false;
          won += wins;
        }
        const after = await store.history('Patient', patient.id as string);
        if (Number(after[0]?.versionId) !== before + won)
          throw new Error(`after ${after[0]?.versionId} before ${before} won ${won}`);
        return true;
      }),
      { numRuns: 15 },
    );
  });

  it('delete keeps history; reads then answer gone; deleting twice is harmless', async () => {
    await open();
    const v1 = await store.create(hoa);
    await store.delete('Patient', v1.id as string);
    await store.delete('Patient', v1.id as string);
    const gone = await store.read('Patient', v1.id as string).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ResourceDeletedError);
    expect((gone as ResourceDeletedError).status).toBe(410);
    expect(await store.vread('Patient', v1.id as string, '1')).toEqual(v1);
    expect((await store.history('Patient', v1.id as string)).map((v) => [v.versionId, v.deleted])).toEqual([
      ['2', true],
      ['1', false],
    ]);
    await expect(store.delete('Patient', 'nobody')).rejects.toBeInstanceOf(ResourceNotFoundError);
    const back = await store.update({ ...hoa, id: v1.id as string });
    expect(back.meta?.versionId).toBe('3');
  });

  it('rejects invalid resources and malformed Vietnamese identifiers before writing anything', async () => {
    await open();
    const bad = await store.create({ ...hoa, birthDate: '1990-02-30' } as never).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidResourceError);
    expect((bad as InvalidResourceError).issues).toEqual([
      { path: 'Patient.birthDate', message: 'is not a date on the calendar' },
    ]);
    const card = { system: vnNamingSystems.insuranceNumber, value: 'DN401' };
    await expect(store.create({ ...hoa, identifier: [card] })).rejects.toThrow(
      /Patient\.identifier\[0\]\.value: must be 15 characters/,
    );
    const v1 = await store.create(hoa);
    await expect(store.update({ ...v1, gender: 'unknown-gender' } as never)).rejects.toBeInstanceOf(
      InvalidResourceError,
    );
    expect(await count()).toBe(1);
  });

  it('stores each version once: the current one with the resource, the ones it replaced in the history', async () => {
    await open();
    const v1 = await store.create(hoa);
    expect(await count()).toBe(1);
    const v2 = await store.update({ ...v1, gender: 'female' });
    await store.delete('Patient', v1.id);
    expect(await count()).toBe(3);
    const history = await db.query<{ version_id: string }>(
      'select version_id::text from mekong_resource_history order by version_id',
    );
    expect(history.rows.map((r) => r.version_id)).toEqual(['1', '2']);
    expect(await store.vread('Patient', v1.id, '2')).toEqual(v2);
    expect((await store.typeHistory('Patient')).map((v) => [v.versionId, v.deleted])).toEqual([
      ['3', true],
      ['2', false],
      ['1', false],
    ]);
  });

  it('migration store@0009 removes the copies of current versions that earlier versions kept in the history', async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    const upTo0008 = { ...storeMigrations, migrations: storeMigrations.migrations.filter((m) => m.version <= '0008') };
    await runMigrations(db, [upTo0008]);
    store = new ResourceStore(db);
    const v1 = await store.create(hoa);
    const v2 = await store.update({ ...v1, gender: 'female' });
    // As store 0.1.0 wrote them: every version in the history, the current one too.
    await db.query(
      `insert into mekong_resource_history (resource_type, id, version_id, last_updated, deleted, content, patient)
       select resource_type, id, version_id, last_updated, deleted, content, patient from mekong_resource`,
    );
    expect((await store.history('Patient', v1.id)).map((v) => v.versionId)).toEqual(['2', '2', '1']);
    const upTo0009 = { ...storeMigrations, migrations: storeMigrations.migrations.filter((m) => m.version <= '0009') };
    expect((await runMigrations(db, [upTo0009])).applied).toEqual(['store@0009']);
    expect((await store.history('Patient', v1.id)).map((v) => v.versionId)).toEqual(['2', '1']);
    expect(await store.vread('Patient', v1.id, '2')).toEqual(v2);
    expect(await count()).toBe(2);
  });
});
