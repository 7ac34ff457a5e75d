import type { AnyResource, ResourceType } from '@mekong/fhir';
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

// Families with ties and gaps; folded, 'Đặng' sorts as 'dang' and 'Lê' as 'le'.
const PEOPLE = [
  ['Nguyễn', ['Văn', 'An'], '1985-03-02', 'male'],
  ['Trần', ['Bình'], '1990-04-12', 'female'],
  ['Lê', ['Zung', 'An'], '1990-04-12', 'male'],
  ['Nguyễn', ['Hoa'], '1990-04-12', 'female'],
  ['Đặng', ['Minh'], undefined, 'male'],
  [undefined, ['Khánh'], '2001-11-30', 'female'],
  ['Trần', ['Lan'], '1985-03-02', undefined],
  ['Lê', ['Chi'], '1972', 'female'],
  ['Nguyễn', ['Thảo'], undefined, 'female'],
  ['Phạm', ['Sơn'], '1999-09-09', 'male'],
  [undefined, ['Vy'], undefined, undefined],
  ['Bùi', ['Quân'], '1990-04-12', 'male'],
  ['Lê', ['Tuấn'], '1985-03-02', 'male'],
] as const;

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();

/** Compares optional keys: missing last, in either direction. */
const compare = (a: string | undefined, b: string | undefined, descending = false) =>
  a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : (a < b ? -1 : 1) * (descending ? -1 : 1);

describe.each(backends)('sorting and paging on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let search: ResourceSearch;
  afterEach(async () => dispose?.());

  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    store = new ResourceStore(db);
    search = new ResourceSearch(db);
    const patients = [];
    for (const [family, given, birthDate, gender] of PEOPLE) {
      const p = await store.create({
        resourceType: 'Patient',
        name: [{ ...(family ? { family } : {}), given: [...given] }],
        ...(birthDate ? { birthDate } : {}),
        ...(gender ? { gender } : {}),
      });
      patients.push({ id: p.id, family, given, birthDate, gender });
    }
    return patients;
  };

  /** Follows the next links from the first page, collecting every match's id in order. */
  const everyPage = async (type: ResourceType, query: SearchQuery) => {
    const ids: string[] = [];
    let next: SearchQuery | undefined = query;
    let pages = 0;
    while (next) {
      const bundle = await search.search(type, next);
      pages++;
      ids.push(...(bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id as string));
      const url = bundle.link?.find((l) => l.relation === 'next')?.url;
      next = url ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : undefined;
      expect(pages).toBeLessThan(50);
    }
    return { ids, pages };
  };

  it('sorts by several keys, each way, missing values last, and pages through ties without loss', async () => {
    const patients = await open();
    const expected = [...patients]
      .sort(
        (a, b) =>
          compare(a.family && fold(a.family), b.family && fold(b.family)) ||
          compare(a.birthDate, b.birthDate, true) ||
          compare(a.id, b.id, true),
      )
      .map((p) => p.id);
    const { ids, pages } = await everyPage('Patient', { _sort: 'family,-birthdate', _count: '3' });
    expect(pages).toBe(5);
    expect(ids).toEqual(expected);
    // One page at once gives the same order.
    const whole = await search.search('Patient', { _sort: 'family,-birthdate', _count: '100' });
    expect(whole.entry?.map((e) => e.resource?.id)).toEqual(expected);

    const byFamilyDesc = [...patients]
      .sort(
        (a, b) => compare(a.family && fold(a.family), b.family && fold(b.family), true) || compare(a.id, b.id, true),
      )
      .map((p) => p.id);
    expect((await everyPage('Patient', { _sort: '-family', _count: '4' })).ids).toEqual(byFamilyDesc);
  });

  it('sorts repeated elements by their smallest value ascending and their largest descending', async () => {
    const patients = await open();
    const given = (descending: boolean) =>
      [...patients]
        .sort(
          (a, b) =>
            compare(
              (descending ? a.given.map(fold).sort().at(-1) : a.given.map(fold).sort()[0]) as string,
              (descending ? b.given.map(fold).sort().at(-1) : b.given.map(fold).sort()[0]) as string,
              descending,
            ) || compare(a.id, b.id, descending),
        )
        .map((p) => p.id);
    expect((await everyPage('Patient', { _sort: 'given', _count: '5' })).ids).toEqual(given(false));
    expect((await everyPage('Patient', { _sort: '-given', _count: '5' })).ids).toEqual(given(true));
    // Filters and sorting together, with a count that stays put across pages.
    const males = patients.filter((p) => p.gender === 'male');
    const first = await search.search('Patient', {
      gender: 'male',
      _sort: 'birthdate',
      _count: '2',
      _total: 'accurate',
    });
    expect(first.total).toBe(males.length);
    const { ids } = await everyPage('Patient', { gender: 'male', _sort: 'birthdate,_id', _count: '2' });
    expect(ids).toEqual(
      [...males].sort((a, b) => compare(a.birthDate, b.birthDate) || compare(a.id, b.id)).map((p) => p.id),
    );
  });

  it('sorts by token, _id, _lastUpdated and a key that follows a search to the row', async () => {
    const patients = await open();
    const byGender = [...patients].sort((a, b) => compare(a.gender, b.gender) || compare(a.id, b.id)).map((p) => p.id);
    expect((await everyPage('Patient', { _sort: 'gender', _count: '4' })).ids).toEqual(byGender);
    const byIdDesc = patients.map((p) => p.id).sort((a, b) => compare(a, b, true));
    expect((await everyPage('Patient', { _sort: '-_id', _count: '4' })).ids).toEqual(byIdDesc);
    const newest = (await everyPage('Patient', { _sort: '-_lastUpdated', _count: '4' })).ids;
    expect(new Set(newest).size).toBe(patients.length);
    const stamps = await Promise.all(newest.map(async (id) => (await store.read('Patient', id)).meta?.lastUpdated));
    expect(stamps).toEqual([...stamps].sort().reverse());
    // A row condition (_lastUpdated) with an index condition and a key from an index.
    const lees = patients.filter((p) => p.family === 'Lê');
    const { ids } = await everyPage('Patient', {
      family: 'le',
      _lastUpdated: 'gt2000-01-01',
      _sort: '-given',
      _count: '2',
    });
    expect(new Set(ids)).toEqual(new Set(lees.map((p) => p.id)));
    expect(ids[0]).toBe(lees.find((p) => (p.given as readonly string[]).includes('Zung'))?.id);
  });

  it('sorts by date periods, quantities and references', async () => {
    const patients = await open();
    const a = patients[0] as { id: string };
    const b = patients[1] as { id: string };
    const observation = (value: number | undefined, start: string, end: string | undefined, subject: string) =>
      store.create({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
        subject: { reference: `Patient/${subject}` },
        effectivePeriod: { start, ...(end ? { end } : {}) },
        ...(value === undefined ? {} : { valueQuantity: { value, unit: 'mmol/L' } }),
      } as AnyResource);
    const o1 = await observation(5.4, '2026-01-01', '2026-01-10', a.id);
    const o2 = await observation(12, '2026-01-02', '2026-01-03', b.id);
    const o3 = await observation(undefined, '2025-12-31', undefined, a.id);
    const o4 = await observation(-1.5, '2026-01-05', '2026-01-06', b.id);
    const order = async (sort: string) =>
      (await everyPage('Observation', { _sort: sort, _count: '3' })).ids.map(
        (id) => ['o1', 'o2', 'o3', 'o4'][[o1.id, o2.id, o3.id, o4.id].indexOf(id)],
      );
    expect(await order('date')).toEqual(['o3', 'o1', 'o2', 'o4']);
    // Descending by the end of each period: an open end is the latest.
    expect(await order('-date')).toEqual(['o3', 'o1', 'o4', 'o2']);
    expect(await order('value-quantity')).toEqual(['o4', 'o1', 'o2', 'o3']);
    expect(await order('-value-quantity')).toEqual(['o2', 'o1', 'o4', 'o3']);
    const bySubject = await order(`subject,-date`);
    const first = a.id < b.id ? ['o3', 'o1'] : ['o4', 'o2'];
    expect(bySubject.slice(0, 2)).toEqual(first);
  });

  it('refuses bad _sort values and cursors cut under another sort, naming the parameter', async () => {
    await open();
    const refused = async (type: ResourceType, query: SearchQuery) => {
      const error = await search.search(type, query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidSearchError);
      expect((error as InvalidSearchError).status).toBe(400);
      return (error as Error).message;
    };
    expect(await refused('Patient', { _sort: 'nmae' })).toBe(
      "search parameter '_sort': cannot sort by 'nmae': Patient has no search parameter 'nmae'",
    );
    expect(await refused('Patient', { _sort: 'family,,given' })).toMatch(/'_sort': has an empty key/);
    expect(await refused('Patient', { _sort: '' })).toMatch(/'_sort': has an empty key/);
    expect(await refused('Patient', { _sort: '-' })).toMatch(/'_sort': has an empty key/);
    expect(await refused('Patient', { _sort: 'family:exact' })).toMatch(/cannot sort by 'family:exact': modifiers/);
    expect(await refused('Patient', { _sort: 'organization.name' })).toMatch(/cannot sort by 'organization.name'/);
    expect(await refused('Patient', { _sort: '_id,family' })).toMatch(/keys after '_id' would never apply/);
    expect(await refused('Patient', { _sort: 'family,-family' })).toMatch(/sorts by 'family' twice/);
    expect(await refused('Patient', { _sort: ['family', 'given'] })).toMatch(/'_sort': is given twice/);
    expect(await refused('Observation', { _sort: 'combo-code-value-quantity' })).toMatch(
      /cannot sort by 'combo-code-value-quantity': composite parameters are not supported yet/,
    );
    const page = await search.search('Patient', { _sort: 'family', _count: '2' });
    const next = new URLSearchParams(page.link?.find((l) => l.relation === 'next')?.url?.split('?')[1]);
    next.set('_sort', 'given');
    expect(await refused('Patient', next)).toMatch(/'_cursor': was cut for _sort 'family', not 'given'/);
    const forged = Buffer.from(JSON.stringify({ s: 'birthdate', k: ['not a date'], id: 'x' })).toString('base64url');
    expect(await refused('Patient', { _sort: 'birthdate', _cursor: forged })).toMatch(
      /not a cursor this server issued/,
    );
  });
});
