import { vnNamingSystems } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConditionalWrites,
  InvalidResourceError,
  InvalidSearchError,
  MultipleMatchesError,
  ResourceDeletedError,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
  VersionConflictError,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

const cccd = (value: string) => ({ system: vnNamingSystems.citizenId, value });

describe.each(backends)('conditional writes, JSON Patch and type history on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let conditional: ConditionalWrites;
  let tick = 0;
  afterEach(async () => dispose?.());
  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    const now = () => new Date(Date.UTC(2026, 2, 1, 7, 0, tick++));
    store = new ResourceStore(db, { now });
    conditional = new ConditionalWrites(db, { now });
  };
  const patients = async () =>
    Number(
      (await db.query<{ n: number }>(`select count(*)::int as n from mekong_resource where resource_type = 'Patient'`))
        .rows[0]?.n,
    );

  it('conditional create makes one resource, even when identical requests race', async () => {
    await open();
    const criteria = { identifier: `${vnNamingSystems.citizenId}|079190001234` };
    const hoa = { resourceType: 'Patient' as const, identifier: [cccd('079190001234')], name: [{ family: 'Nguyễn' }] };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => conditional.createIfNoneExist(hoa, criteria)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['created', 'existing', 'existing', 'existing', 'existing']);
    expect(new Set(outcomes.map((o) => o.resource.id)).size).toBe(1);
    expect(await patients()).toBe(1);
  });

  it('conditional creates with equivalent criteria written differently make one resource when 20 race', async () => {
    await open();
    const sys = vnNamingSystems.citizenId;
    // The same question asked eight ways: with and without the identifier's system, with result parameters, in
    // another order, a name in another case and without its diacritics (string search folds both).
    const spellings = [
      `identifier=${sys}|079190001234`,
      'identifier=079190001234',
      `identifier=${sys}|079190001234&_count=1`,
      '_count=1&identifier=079190001234',
      `identifier=${sys}|079190001234&family=Nguyễn`,
      `family=NGUYEN&identifier=079190001234`,
      `_sort=-_lastUpdated&identifier=${sys}|079190001234`,
      `identifier=${sys}|079190001234,${sys}|079190001234`,
    ];
    const hoa = { resourceType: 'Patient' as const, identifier: [cccd('079190001234')], name: [{ family: 'Nguyễn' }] };
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        conditional.createIfNoneExist(hoa, new URLSearchParams(spellings[i % spellings.length])),
      ),
    );
    expect(await patients()).toBe(1);
    const outcomes = settled.map((s) =>
      s.status === 'fulfilled' ? s.value : { outcome: 'failed', resource: s.reason },
    );
    expect(outcomes.filter((o) => o.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'existing')).toHaveLength(19);
    expect(new Set(outcomes.map((o) => o.resource.id)).size).toBe(1);
    expect(await patients()).toBe(1);
  });

  it('folds reference, date and token spellings alike: 20 racing creates of one Observation make one', async () => {
    await open();
    const spellings = [
      'subject=Patient/hoa&code=http://loinc.org|8867-4&date=2026-03-01',
      'subject:Patient=hoa&code=8867-4&date=eq2026-03-01',
      'date=2026-03-01T07:00:00%2B07:00,2026-03-01&code=http://loinc.org|8867-4&subject=hoa',
      'code=8867-4,http://loinc.org|8867-4&subject=Patient/hoa&date=2026-03',
    ];
    const pulse = {
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: 'Patient/hoa' },
      effectiveDateTime: '2026-03-01T08:30:00Z',
    };
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        conditional.createIfNoneExist(pulse, new URLSearchParams(spellings[i % spellings.length])),
      ),
    );
    const observations = await db.query<{ n: number }>(
      `select count(*)::int as n from mekong_resource where resource_type = 'Observation'`,
    );
    expect(
      settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason)),
    ).toEqual([]);
    expect(observations.rows[0]?.n).toBe(1);
    expect(settled.filter((s) => s.status === 'fulfilled' && s.value.outcome === 'created')).toHaveLength(1);
    expect(settled.filter((s) => s.status === 'fulfilled' && s.value.outcome === 'existing')).toHaveLength(19);
  });

  it('leaves result parameters out of the criteria: they are not searched, and criteria of them alone are refused', async () => {
    await open();
    const lan = await store.create({ resourceType: 'Patient', identifier: [cccd('079190005678')] });
    const found = await conditional.createIfNoneExist(
      { resourceType: 'Patient', identifier: [cccd('079190005678')] },
      { identifier: '079190005678', _summary: 'true', _elements: 'identifier', _include: 'Patient:organization' },
    );
    expect(found).toMatchObject({ outcome: 'existing', resource: { id: lan.id } });
    const empty = await conditional
      .createIfNoneExist({ resourceType: 'Patient' }, { _count: '1', _sort: 'birthdate' })
      .catch((e: unknown) => e);
    expect(empty).toMatchObject({ code: 'CRITERIA_EMPTY', status: 400 });
    expect((empty as Error).message).toContain('_count, _sort only shape results');
    expect(await patients()).toBe(1);
  });

  it('refuses ambiguous, empty or unknown criteria, writing nothing', async () => {
    await open();
    await store.create({ resourceType: 'Patient', gender: 'female' });
    await store.create({ resourceType: 'Patient', gender: 'female' });
    const ambiguous = await conditional
      .createIfNoneExist({ resourceType: 'Patient' }, { gender: 'female' })
      .catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(MultipleMatchesError);
    expect((ambiguous as MultipleMatchesError).status).toBe(412);
    await expect(conditional.updateWhere({ resourceType: 'Patient' }, {})).rejects.toThrow(
      /conditional write without criteria/,
    );
    await expect(conditional.createIfNoneExist({ resourceType: 'Patient' }, { nmae: 'x' })).rejects.toBeInstanceOf(
      InvalidSearchError,
    );
    expect(await patients()).toBe(2);
  });

  it('conditional update creates when nothing matches and updates the one match', async () => {
    await open();
    const criteria = { identifier: '001201004321' };
    const first = await conditional.updateWhere(
      { resourceType: 'Patient', identifier: [cccd('001201004321')] },
      criteria,
    );
    expect(first.outcome).toBe('created');
    const second = await conditional.updateWhere(
      { resourceType: 'Patient', identifier: [cccd('001201004321')], gender: 'male' },
      criteria,
    );
    expect(second).toMatchObject({
      outcome: 'updated',
      resource: { id: first.resource.id, gender: 'male', meta: { versionId: '2' } },
    });
    await expect(
      conditional.updateWhere(
        { resourceType: 'Patient', id: 'someone-else', identifier: [cccd('001201004321')] },
        criteria,
      ),
    ).rejects.toThrow(/has id someone-else but the criteria select Patient\//);
  });

  it('JSON Patch makes a validated new version and refuses bad patches with the operation index', async () => {
    await open();
    const patient = await store.create({ resourceType: 'Patient', gender: 'female', name: [{ family: 'Trần' }] });
    const patched = await store.patch(
      'Patient',
      patient.id,
      [
        { op: 'test', path: '/gender', value: 'female' },
        { op: 'add', path: '/telecom', value: [{ system: 'phone', value: '0912345678' }] },
        { op: 'replace', path: '/name/0/family', value: 'Trần Thị' },
      ],
      { ifMatch: '1' },
    );
    expect(patched).toMatchObject({
      meta: { versionId: '2' },
      telecom: [{ value: '0912345678' }],
      name: [{ family: 'Trần Thị' }],
    });
    const issue = async (operations: unknown) => {
      const error = await store.patch('Patient', patient.id, operations).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResourceError);
      return (error as InvalidResourceError).issues[0];
    };
    expect(await issue({ op: 'replace' })).toEqual({
      path: 'Patch',
      message: 'must be an array of JSON Patch operations',
    });
    expect(
      (
        await issue([
          { op: 'replace', path: '/gender', value: 'male' },
          { op: 'jump', path: '/x' },
        ])
      )?.path,
    ).toBe('Patch[1]');
    expect((await issue([{ op: 'test', path: '/gender', value: 'male' }]))?.path).toBe('Patch[0]');
    // Patches of the root that leave no resource (found by the server's fuzzing: a TypeError before).
    for (const operations of [
      [{ op: 'remove', path: '' }],
      [{ op: 'replace', path: '', value: 42 }],
      [{ op: 'replace', path: '', value: [] }],
      [{ op: 'replace', path: '', value: null }],
    ]) {
      expect(await issue(operations)).toEqual({ path: 'Patch', message: 'must leave a resource (a JSON object)' });
    }
    expect(await issue([{ op: 'replace', path: '/id', value: 'other' }])).toEqual({
      path: 'Patch',
      message: 'may not change resourceType or id',
    });
    expect(await issue([{ op: 'add', path: '/birthDate', value: '31/12/1990' }])).toMatchObject({
      path: 'Patient.birthDate',
    });
    await expect(store.patch('Patient', patient.id, [], { ifMatch: '1' })).rejects.toBeInstanceOf(VersionConflictError);
    await store.delete('Patient', patient.id);
    await expect(store.patch('Patient', patient.id, [])).rejects.toBeInstanceOf(ResourceDeletedError);
    expect((await store.history('Patient', patient.id)).map((v) => v.versionId)).toEqual(['3', '2', '1']);
  });

  it('type history lists versions of every resource of a type, newest first', async () => {
    await open();
    const a = await store.create({ resourceType: 'Patient', gender: 'male' });
    const b = await store.create({ resourceType: 'Patient', gender: 'female' });
    await store.create({ resourceType: 'Organization', name: 'Trung tâm Y tế huyện' });
    await store.update({ ...a, gender: 'other' });
    await store.delete('Patient', b.id);
    const all = await store.typeHistory('Patient');
    expect(all.map((v) => [v.resource.id, v.versionId, v.deleted])).toEqual([
      [b.id, '2', true],
      [a.id, '2', false],
      [b.id, '1', false],
      [a.id, '1', false],
    ]);
    expect((await store.typeHistory('Patient', { count: 2 })).length).toBe(2);
    const since = new Date(all[1]?.lastUpdated as string);
    expect((await store.typeHistory('Patient', { since })).map((v) => v.versionId)).toEqual(['2', '2']);
    await expect(store.typeHistory('Patient', { count: 0 })).rejects.toThrow(/_count: must be a whole number/);
  });
});
