import { vnNamingSystems } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidSearchError,
  ResourceSearch,
  ResourceStore,
  runMigrations,
  type SearchQuery,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

const citizen = (value: string) => ({ system: vnNamingSystems.citizenId, value });

describe.each(backends)('search on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let search: ResourceSearch;
  const ids: Record<string, string> = {};
  afterEach(async () => dispose?.());

  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    store = new ResourceStore(db);
    search = new ResourceSearch(db);
    const people = [
      ['an', 'Nguyễn', ['Văn', 'An'], 'male', '1985-03-02', '079085000111'],
      ['hoa', 'Nguyễn', ['Thị', 'Hoa'], 'female', '1990-04-12', '079190001234'],
      ['dung', 'Đặng', ['Minh', 'Dũng'], 'male', '2001-11-30', '001201004321'],
      ['lan', 'Trần', ['Ngọc', 'Lan'], 'female', '1990', '048190007777'],
    ] as const;
    for (const [key, family, given, gender, birthDate, cccd] of people) {
      const p = await store.create({
        resourceType: 'Patient',
        name: [{ family, given: [...given] }],
        gender,
        birthDate,
        identifier: [citizen(cccd)],
      });
      ids[key] = p.id;
    }
    const vital = (patient: string, code: string, when: string) =>
      store.create({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code }] },
        subject: { reference: `Patient/${patient}` },
        effectiveDateTime: when,
      });
    ids.spo2An = (await vital(ids.an as string, '59408-5', '2026-01-05T08:00:00+07:00')).id;
    ids.hrAn = (await vital(ids.an as string, '8867-4', '2026-01-06T09:30:00+07:00')).id;
    ids.spo2Hoa = (await vital(ids.hoa as string, '59408-5', '2026-02-01T10:00:00Z')).id;
  };
  const found = async (type: 'Patient' | 'Observation', query: SearchQuery) =>
    ((await search.search(type, query)).entry ?? []).map((e) => e.resource?.id).sort();
  const expectIds = async (type: 'Patient' | 'Observation', query: SearchQuery, keys: string[]) =>
    expect(await found(type, query)).toEqual(keys.map((k) => ids[k]).sort());

  it('finds by token: identifier with and without system, gender, code with system', async () => {
    await open();
    await expectIds('Patient', { identifier: `${vnNamingSystems.citizenId}|079190001234` }, ['hoa']);
    await expectIds('Patient', { identifier: '001201004321' }, ['dung']);
    await expectIds('Patient', { identifier: 'urn:other|001201004321' }, []);
    await expectIds('Patient', { gender: 'female' }, ['hoa', 'lan']);
    await expectIds('Patient', { gender: 'female,male' }, ['an', 'dung', 'hoa', 'lan']);
    await expectIds('Patient', { 'gender:not': 'female' }, ['an', 'dung']);
    await expectIds('Observation', { code: 'http://loinc.org|59408-5' }, ['spo2An', 'spo2Hoa']);
  });

  it('finds names without diacritics or case, by prefix, exactly, or anywhere', async () => {
    await open();
    await expectIds('Patient', { name: 'nguyen' }, ['an', 'hoa']);
    await expectIds('Patient', { family: 'dang' }, ['dung']);
    await expectIds('Patient', { name: 'DŨNG' }, ['dung']);
    await expectIds('Patient', { 'name:exact': 'Nguyễn' }, ['an', 'hoa']);
    await expectIds('Patient', { 'name:exact': 'nguyen' }, []);
    await expectIds('Patient', { 'given:contains': 'oa' }, ['hoa']);
    await expectIds('Patient', { name: 'nguyen', gender: 'female' }, ['hoa']);
    await expectIds('Patient', { name: '%' }, []);
  });

  it('finds by date with prefixes and precision', async () => {
    await open();
    await expectIds('Patient', { birthdate: '1990' }, ['hoa', 'lan']);
    await expectIds('Patient', { birthdate: '1990-04' }, ['hoa']);
    await expectIds('Patient', { birthdate: 'lt1990' }, ['an']);
    await expectIds('Patient', { birthdate: 'ge1990-04-12' }, ['dung', 'hoa', 'lan']);
    await expectIds('Patient', { birthdate: ['ge1985', 'le1990-12-31'] }, ['an', 'hoa', 'lan']);
    await expectIds('Patient', { birthdate: 'sa1990-12-31' }, ['dung']);
    // 08:00 in Hanoi is 01:00 UTC.
    await expectIds('Observation', { date: '2026-01-05' }, ['spo2An']);
    await expectIds('Observation', { date: 'gt2026-01-05T01:00:00Z' }, ['hrAn', 'spo2Hoa']);
    await expectIds('Patient', { _lastUpdated: 'gt2000-01-01' }, ['an', 'dung', 'hoa', 'lan']);
  });

  it('finds by reference, typed or not, and by _id', async () => {
    await open();
    await expectIds('Observation', { subject: `Patient/${ids.an}` }, ['hrAn', 'spo2An']);
    await expectIds('Observation', { 'subject:Patient': ids.hoa as string }, ['spo2Hoa']);
    await expectIds('Observation', { patient: ids.hoa as string }, ['spo2Hoa']);
    await expectIds('Observation', { subject: `Patient/${ids.an}`, code: 'http://loinc.org|8867-4' }, ['hrAn']);
    await expectIds('Patient', { _id: `${ids.an},${ids.lan}` }, ['an', 'lan']);
    await expectIds('Patient', { 'birthdate:missing': 'true' }, []);
  });

  it('follows references: one level of chaining, _include and _revinclude', async () => {
    await open();
    await expectIds('Observation', { 'subject:Patient.name': 'hoa' }, ['spo2Hoa']);
    await expectIds('Observation', { 'patient.identifier': '079085000111' }, ['hrAn', 'spo2An']);
    await expectIds('Observation', { 'patient.gender': 'female', code: 'http://loinc.org|59408-5' }, ['spo2Hoa']);
    const included = await search.search('Observation', {
      code: 'http://loinc.org|59408-5',
      _include: 'Observation:subject:Patient',
    });
    expect(included.entry?.map((e) => [e.search?.mode, e.resource?.resourceType]).sort()).toEqual([
      ['include', 'Patient'],
      ['include', 'Patient'],
      ['match', 'Observation'],
      ['match', 'Observation'],
    ]);
    const reverse = await search.search('Patient', { _id: ids.an as string, _revinclude: 'Observation:subject' });
    expect(reverse.entry?.map((e) => e.resource?.id).sort()).toEqual([ids.an, ids.hrAn, ids.spo2An].sort());
    await expect(search.search('Observation', { 'subject.name': 'hoa' })).rejects.toThrow(
      /'subject' may point to .*Patient/,
    );
    await expect(search.search('Observation', { _include: 'Patient:organization' })).rejects.toThrow(
      /includes from Patient, but the search is for Observation/,
    );
    await expect(search.search('Observation', { 'patient.organization.name': 'x' })).rejects.toThrow(
      /only one level of chaining is supported/,
    );
  });

  it('finds quantities and numbers by value, precision, prefix and unit', async () => {
    await open();
    const ucum = 'http://unitsofmeasure.org';
    const glucose = async (value: number, code = 'mmol/L') =>
      (
        await store.create({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '15074-8' }] },
          valueQuantity: { value, unit: code, system: ucum, code },
        })
      ).id;
    ids.g54 = await glucose(5.4);
    ids.g536 = await glucose(5.36);
    ids.g78 = await glucose(7.8);
    ids.g12 = await glucose(12);
    ids.gMg = await glucose(97, 'mg/dL');
    await expectIds('Observation', { 'value-quantity': '5.4' }, ['g54', 'g536']);
    await expectIds('Observation', { 'value-quantity': '5.40' }, ['g54']);
    await expectIds('Observation', { 'value-quantity': `gt6|${ucum}|mmol/L` }, ['g78', 'g12']);
    await expectIds('Observation', { 'value-quantity': 'gt6||mg/dL' }, ['gMg']);
    await expectIds('Observation', { 'value-quantity': 'le5.4' }, ['g54', 'g536']);
    await expectIds('Observation', { 'value-quantity': 'ap7.5' }, ['g78']);
    await expect(search.search('Observation', { 'value-quantity': 'high' })).rejects.toThrow(
      /'high' is not a quantity/,
    );
    const risk = await store.create({
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: `Patient/${ids.an}` },
      prediction: [{ probabilityDecimal: 0.85 }],
    });
    expect(
      ((await search.search('RiskAssessment', { probability: 'gt0.8' })).entry ?? []).map((e) => e.resource?.id),
    ).toEqual([risk.id]);
    expect((await search.search('RiskAssessment', { probability: 'lt0.5' })).entry).toEqual([]);
    await expect(search.search('RiskAssessment', { probability: '0.8|x|y' })).rejects.toThrow(/is not a number/);
  });

  it('follows updates and deletions', async () => {
    await open();
    const hoa = await store.read('Patient', ids.hoa as string);
    await store.update({ ...hoa, name: [{ family: 'Lê', given: ['Thị', 'Hoa'] }] });
    await expectIds('Patient', { family: 'nguyen' }, ['an']);
    await expectIds('Patient', { family: 'le' }, ['hoa']);
    await store.delete('Patient', ids.an as string);
    await expectIds('Patient', { family: 'nguyen' }, []);
    await expectIds('Patient', { gender: 'male' }, ['dung']);
  });

  it('pages with a stable cursor, counts, and sorts by last update', async () => {
    await open();
    const seen: string[] = [];
    let query: SearchQuery = { _count: '3', _total: 'accurate' };
    for (let page = 0; page < 5; page++) {
      const bundle = await search.search('Patient', query);
      expect(bundle.total).toBe(page === 0 ? 4 : 5);
      seen.push(...(bundle.entry ?? []).map((e) => e.resource?.id as string));
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      // A patient created between pages does not disturb the pages already cut.
      if (page === 0) await store.create({ resourceType: 'Patient', gender: 'unknown' });
      query = new URLSearchParams(next.slice(next.indexOf('?') + 1));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    const newestFirst = await search.search('Patient', { _sort: '-_lastUpdated', _count: '2' });
    expect(newestFirst.entry?.map((e) => e.resource?.meta?.lastUpdated)).toEqual(
      [...(newestFirst.entry ?? [])]
        .map((e) => e.resource?.meta?.lastUpdated)
        .sort()
        .reverse(),
    );
  });

  it('refuses what it does not know or support, naming the parameter', async () => {
    await open();
    const refused = async (query: SearchQuery) => {
      const error = await search.search('Patient', query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSearchError);
      expect((error as InvalidSearchError).status).toBe(400);
      return (error as Error).message;
    };
    expect(await refused({ nmae: 'x' })).toBe("search parameter 'nmae': Patient has no search parameter 'nmae'");
    expect(await refused({ birthdate: 'yesterday' })).toMatch(/'birthdate': 'yesterday' is not a date/);
    expect(await refused({ _count: '100000' })).toMatch(/'_count': must be a whole number from 1 to 1000/);
    expect(await refused({ 'gender.name': 'x' })).toMatch(/'gender' is not a reference parameter of Patient/);
    expect(await refused({ 'name:fuzzy': 'x' })).toMatch(/modifier 'fuzzy' is not supported on strings/);
    expect(await refused({ _cursor: 'not-a-cursor' })).toMatch(/is not a cursor this server issued/);
    expect(await refused({ _sort: 'nmae' })).toMatch(/'_sort': cannot sort by 'nmae'/);
  });
});
