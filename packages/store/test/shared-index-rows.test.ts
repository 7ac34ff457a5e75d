import { afterEach, describe, expect, it } from 'vitest';
import { ResourceSearch, ResourceStore, runMigrations, type SqlClient, storeMigrations } from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

// Parameters with one definition share index rows: Patient's `phonetic` is `Patient.name`, as `name` is, and
// Coverage's `patient` is `Coverage.beneficiary`, as `beneficiary` is.
describe.each(backends)('parameters that share index rows on %s', (backend) => {
  let db: SqlClient;
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it('write their values once and answer searches, sorts, :missing and includes as their own', async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    const store = new ResourceStore(db);
    const search = new ResourceSearch(db);
    const lan = await store.create({ resourceType: 'Patient', name: [{ family: 'Trần', given: ['Ngọc', 'Lan'] }] });
    const an = await store.create({ resourceType: 'Patient', name: [{ family: 'Nguyễn', given: ['Văn', 'An'] }] });
    const nameless = await store.create({ resourceType: 'Patient', gender: 'other' });
    const coverage = await store.create({
      resourceType: 'Coverage',
      status: 'active',
      beneficiary: { reference: `Patient/${lan.id}` },
      payor: [{ display: 'BHXH Việt Nam' }],
    });

    const rows = async (param: string) =>
      Number(
        (
          await db.query<{ n: number }>(
            'select count(*)::int as n from mekong_search_string where resource_type = $1 and param = $2',
            ['Patient', param],
          )
        ).rows[0]?.n,
      );
    expect(await rows('phonetic')).toBe(0);
    expect(await rows('name')).toBeGreaterThan(0);

    const found = async (type: 'Patient' | 'Coverage', query: Record<string, string>) =>
      ((await search.search(type, query)).entry ?? []).map((e) => e.resource?.id);
    expect(await found('Patient', { phonetic: 'tran' })).toEqual([lan.id]);
    expect(await found('Patient', { name: 'tran' })).toEqual([lan.id]);
    expect(await found('Patient', { 'phonetic:exact': 'Ngọc' })).toEqual([lan.id]);
    expect(await found('Patient', { 'phonetic:missing': 'true' })).toEqual([nameless.id]);
    expect(await found('Patient', { _sort: 'phonetic', 'phonetic:missing': 'false' })).toEqual([an.id, lan.id]);
    expect(await found('Coverage', { patient: `Patient/${lan.id}` })).toEqual([coverage.id]);
    expect(await found('Coverage', { 'patient:Patient.phonetic': 'lan' })).toEqual([coverage.id]);
    const included = await search.search('Coverage', { _include: 'Coverage:patient' });
    expect(included.entry?.map((e) => [e.search?.mode, e.resource?.id])).toEqual([
      ['match', coverage.id],
      ['include', lan.id],
    ]);
    const reverse = await search.search('Patient', { _id: lan.id, _revinclude: 'Coverage:patient' });
    expect(reverse.entry?.map((e) => e.resource?.id)).toEqual([lan.id, coverage.id]);
  });

  it('lose the rows earlier versions wrote for them when the store migrates (store@0008)', async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    const before = { owner: 'store', migrations: storeMigrations.migrations.filter((m) => m.version < '0008') };
    await runMigrations(db, [before]);
    const lan = await new ResourceStore(db).create({ resourceType: 'Patient', name: [{ family: 'Trần' }] });
    // What a store before 0008 wrote besides the name rows.
    await db.query(
      `insert into mekong_search_string (resource_type, id, param, folded, exact) values ('Patient', $1, 'phonetic', 'tran', 'Trần')`,
      [lan.id],
    );
    await runMigrations(db, [storeMigrations]);
    const { rows } = await db.query<{ param: string }>(
      "select distinct param from mekong_search_string where resource_type = 'Patient' order by param",
    );
    expect(rows.map((r) => r.param)).toEqual(['family', 'name']);
    expect(
      (await new ResourceSearch(db).search('Patient', { phonetic: 'tran' })).entry?.map((e) => e.resource?.id),
    ).toEqual([lan.id]);
  });
});
