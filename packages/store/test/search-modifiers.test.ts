import type { ResourceType } from '@mekong/fhir';
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

describe.each(backends)('periods, modifiers and totals on %s', (backend) => {
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
    const encounter = async (key: string, start: string, end?: string) => {
      ids[key] = (
        await store.create({
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          period: { start, ...(end ? { end } : {}) },
        })
      ).id;
    };
    await encounter('e1', '2026-01-03T08:00:00+07:00', '2026-01-05T17:00:00+07:00');
    await encounter('e2', '2026-01-10'); // still open
    await encounter('e3', '2025-12-30', '2026-01-02');
    const patient = async (key: string, family: string, gender?: 'male' | 'female' | 'other', birthDate?: string) => {
      ids[key] = (
        await store.create({
          resourceType: 'Patient',
          name: [{ family }],
          ...(gender ? { gender } : {}),
          ...(birthDate ? { birthDate } : {}),
          identifier: [
            { system: 'urn:a', value: `${key}-a` },
            { system: 'urn:b', value: 'shared' },
          ],
        })
      ).id;
    };
    await patient('nguyen', 'Nguyễn', 'male', '1985-03-02');
    await patient('nguyen2', 'nguyễn', 'female');
    await patient('tran', 'Trần', undefined, '1990');
    await patient('le', 'Lê', 'other', '2001-11-30');
  };
  const found = async (type: ResourceType, query: SearchQuery) =>
    ((await search.search(type, query)).entry ?? []).map((e) => e.resource?.id).sort();
  const expectIds = async (type: ResourceType, query: SearchQuery, keys: string[]) =>
    expect(await found(type, query)).toEqual(keys.map((k) => ids[k]).sort());

  it('compares periods by the range they cover, an open end reaching forever', async () => {
    await open();
    await expectIds('Encounter', { date: '2026-01' }, ['e1']);
    await expectIds('Encounter', { date: 'eq2026-01-03' }, []);
    await expectIds('Encounter', { date: 'ne2026-01' }, ['e2', 'e3']);
    await expectIds('Encounter', { date: 'ge2026-01-05' }, ['e1', 'e2']);
    await expectIds('Encounter', { date: 'gt2026-01-31' }, ['e2']);
    await expectIds('Encounter', { date: 'lt2026-01-01' }, ['e3']);
    await expectIds('Encounter', { date: 'le2025-12-31' }, ['e3']);
    await expectIds('Encounter', { date: 'sa2026-01-05' }, ['e2']);
    await expectIds('Encounter', { date: 'eb2026-01-03' }, ['e3']);
    await expectIds('Encounter', { date: 'ap2026-01-04' }, ['e1']);
    // 17:00 in Hanoi is 10:00 UTC: the period reaches past 09:59 UTC and not past 10:00.
    await expectIds('Encounter', { date: 'gt2026-01-05T09:59:00Z' }, ['e1', 'e2']);
    await expectIds('Encounter', { date: 'gt2026-01-05T10:00:00Z' }, ['e2']);
    await expectIds('Encounter', { date: ['ge2026-01-01', 'le2026-01-31'] }, ['e1', 'e2', 'e3']);
    await expectIds('Encounter', { date: 'sa2026-01-05,eb2026-01-03' }, ['e2', 'e3']);
  });

  it('finds what is missing or not, exact strings and strings anywhere', async () => {
    await open();
    await expectIds('Patient', { 'birthdate:missing': 'true' }, ['nguyen2']);
    await expectIds('Patient', { 'birthdate:missing': 'false' }, ['nguyen', 'tran', 'le']);
    await expectIds('Patient', { 'gender:missing': 'true', family: 'tran' }, ['tran']);
    // :not keeps resources without any value, and excludes every listed value.
    await expectIds('Patient', { 'gender:not': 'male' }, ['nguyen2', 'tran', 'le']);
    await expectIds('Patient', { 'gender:not': 'male,female' }, ['tran', 'le']);
    await expectIds('Patient', { 'identifier:not': 'urn:a|nguyen-a' }, ['nguyen2', 'tran', 'le']);
    await expectIds('Patient', { 'identifier:not': 'urn:b|shared' }, []);
    await expectIds('Patient', { 'identifier:not': 'urn:a|shared' }, ['nguyen', 'nguyen2', 'tran', 'le']);
    await expectIds('Patient', { family: 'nguyen', 'gender:not': 'female' }, ['nguyen']);
    await expectIds('Patient', { 'family:exact': 'Nguyễn' }, ['nguyen']);
    await expectIds('Patient', { 'family:exact': 'nguyễn' }, ['nguyen2']);
    await expectIds('Patient', { 'family:exact': 'Nguyen' }, []);
    await expectIds('Patient', { 'family:contains': 'UYE' }, ['nguyen', 'nguyen2']);
    await expectIds('Patient', { 'family:contains': 'ra' }, ['tran']);
    await expectIds('Patient', { 'family:contains': 'e,ra' }, ['nguyen', 'nguyen2', 'tran', 'le']);
    await expectIds('Patient', { family: ['ng', 'nguyen'] }, ['nguyen', 'nguyen2']);
    await expectIds('Patient', { family: 'guyen' }, []);
  });

  it('counts every match with _total=accurate on every page, and only when asked', async () => {
    await open();
    const first = await search.search('Patient', { 'identifier:not': 'urn:a|le-a', _count: '2', _total: 'accurate' });
    expect(first.total).toBe(3);
    expect(first.entry).toHaveLength(2);
    const url = first.link?.find((l) => l.relation === 'next')?.url as string;
    const second = await search.search('Patient', new URLSearchParams(url.split('?')[1]));
    expect(second.total).toBe(3);
    expect(second.entry).toHaveLength(1);
    expect(second.link?.find((l) => l.relation === 'next')).toBeUndefined();
    expect((await search.search('Patient', { family: 'nguyen', _total: 'accurate' })).total).toBe(2);
    expect((await search.search('Patient', { family: 'nobody', _total: 'accurate' })).total).toBe(0);
    expect((await search.search('Patient', { family: 'nguyen' })).total).toBeUndefined();
    expect((await search.search('Patient', { family: 'nguyen', _total: 'none' })).total).toBeUndefined();
  });

  it('refuses modifiers where they do not apply, naming the parameter', async () => {
    await open();
    const refused = async (type: ResourceType, query: SearchQuery) => {
      const error = await search.search(type, query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSearchError);
      return (error as Error).message;
    };
    expect(await refused('Patient', { 'family:not': 'x' })).toBe(
      "search parameter 'family:not': modifier 'not' applies to tokens only",
    );
    expect(await refused('Patient', { 'birthdate:missing': 'yes' })).toMatch(
      /'birthdate:missing': must be true or false/,
    );
    expect(await refused('Patient', { 'birthdate:exact': '1990' })).toMatch(
      /modifier 'exact' is not supported on dates/,
    );
    expect(await refused('Patient', { 'gender:text': 'male' })).toMatch(/modifier 'text' is not supported on tokens/);
    expect(await refused('Encounter', { date: '2026-13' })).toMatch(/'date': '2026-13' is not a date/);
    expect(await refused('Patient', { birthdate: 'ge2026-02-30' })).toMatch(
      /'2026-02-30' is not a date|'ge2026-02-30' is not a date/,
    );
    expect(await refused('Patient', { _lastUpdated: 'gt2026-01-01T24:00:00Z' })).toMatch(/is not a date/);
    expect(await refused('Patient', { _total: 'some' })).toMatch(/'_total': must be none, estimate or accurate/);
  });
});
