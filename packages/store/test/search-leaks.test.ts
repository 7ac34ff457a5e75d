import type { Bundle, Patient } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  type AccessPolicy,
  AuditLog,
  InvalidSearchError,
  READ_INTERACTIONS,
  ResourceSearch,
  ResourceStore,
  ScopedStore,
  type SearchQuery,
  WRITE_INTERACTIONS,
} from '../src/index.js';
import { nurse, observation, openStore, rejection } from './access-fixtures.js';
import { backends } from './backends.js';

const ALL = [...READ_INTERACTIONS, ...WRITE_INTERACTIONS];
const BIRTH_DATE = '1961-07-23';
const PHONE = '0907654321';

/** The query of a Bundle's next link. */
const nextOf = (bundle: Bundle): URLSearchParams => {
  const url = bundle.link?.find((l) => l.relation === 'next')?.url;
  expect(url, 'a next link').toBeDefined();
  return new URLSearchParams(url?.slice(url.indexOf('?') + 1));
};

/** Every way a caller could read a cursor: as it is, base64 or base64url decoded, as text. */
const readings = (cursor: string) => [
  cursor,
  Buffer.from(cursor, 'base64url').toString('utf8'),
  Buffer.from(cursor, 'base64url').toString('latin1'),
  Buffer.from(cursor, 'base64').toString('utf8'),
];

describe.each(backends)('what searches reveal of what a caller may not see, on %s', (backend) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });
  const open = async () => {
    const opened = await openStore(backend);
    dispose = opened.dispose;
    const { store } = opened;
    for (const [family, birthDate, phone] of [
      ['An', BIRTH_DATE, PHONE],
      ['Bình', '1975-01-02', '0901111111'],
      ['Chi', '1990-12-31', '0902222222'],
    ] as const) {
      await store.create<Patient>({
        resourceType: 'Patient',
        name: [{ family }],
        birthDate,
        gender: 'female',
        telecom: [{ system: 'phone', value: phone }],
      });
    }
    return opened;
  };

  it('refuses sorting by an element the policy hides (either direction, any key), as searching by it', async () => {
    const { scoped, audit } = await open();
    const policy: AccessPolicy = {
      rules: [{ type: 'Patient', interactions: ALL, hiddenFields: ['birthDate', 'telecom'] }],
    };
    const handle = scoped(policy);
    for (const [sort, element] of [
      ['birthdate', 'birthDate'],
      ['-birthdate', 'birthDate'],
      ['family,-birthdate', 'birthDate'],
      ['phone', 'telecom'],
      ['-telecom', 'telecom'],
    ] as const) {
      const code = sort.split(',').at(-1)?.replace(/^-/, '');
      const error = await rejection(handle.search('Patient', { _sort: sort, _count: '1' }));
      expect(error, sort).toBeInstanceOf(AccessDeniedError);
      expect(error.status).toBe(403);
      expect(error.message).toContain(
        `'_sort' sorts by '${code}', a parameter over Patient.${element}, which its access policy hides`,
      );
    }
    // Visible elements still sort, and what it may not see is in neither the page nor the cursor.
    const page = await handle.search('Patient', { _sort: '-family', _count: '1' });
    expect(page.entry?.map((e) => (e.resource as Patient).name?.[0]?.family)).toEqual(['Chi']);
    expect(JSON.stringify(page)).not.toContain('1990-12-31');
    const refusals = (await audit.list()).filter((e) => e.outcome === '4');
    expect(refusals).toHaveLength(5);
  });

  it('refuses _lastUpdated, in a sort or a search, to a caller its policy hides meta.lastUpdated from', async () => {
    const { scoped } = await open();
    for (const hidden of ['meta.lastUpdated', 'meta']) {
      const handle = scoped({ rules: [{ type: 'Patient', interactions: ALL, hiddenFields: [hidden] }] });
      for (const query of [{ _sort: '-_lastUpdated' }, { _sort: 'family,_lastUpdated' }, { _lastUpdated: 'gt2000' }]) {
        const error = await rejection(handle.search('Patient', query));
        expect(error, JSON.stringify(query)).toBeInstanceOf(AccessDeniedError);
        expect(error.message).toMatch(/'_lastUpdated'.* (reads|over) Patient\.meta(\.lastUpdated)?, which its access/);
      }
      expect((await handle.search('Patient', { _sort: 'family' })).entry).toHaveLength(3);
    }
  });

  it('cuts cursors no one can read values from, good only for the search and the caller they were cut for', async () => {
    const { db, store, scoped } = await open();
    const policy: AccessPolicy = { rules: [{ type: 'Patient', interactions: ALL }] };
    const handle = scoped(policy);
    const first = await handle.search('Patient', { _sort: 'birthdate', gender: 'female', _count: '1' });
    expect(first.entry?.map((e) => (e.resource as Patient).birthDate)).toEqual(['1961-07-23']);
    const next = nextOf(first);
    const cursor = next.get('_cursor') as string;
    for (const text of readings(cursor)) {
      expect(text).not.toContain('1961');
      expect(text).not.toContain('birthdate');
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    }
    // Followed as it is, it pages on.
    const second = await handle.search('Patient', next);
    expect(second.entry?.map((e) => (e.resource as Patient).birthDate)).toEqual(['1975-01-02']);

    const refused = async (caller: ScopedStore | ResourceSearch, query: SearchQuery, type = 'Patient' as const) => {
      const error = await rejection(caller.search(type, query));
      expect(error).toBeInstanceOf(InvalidSearchError);
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/^search parameter '_cursor': is not a cursor this server issued/);
    };
    const variant = (change: (q: URLSearchParams) => void) => {
      const q = new URLSearchParams(next);
      change(q);
      return q;
    };
    // Replayed against other filters, the order's values could be probed: refused.
    await refused(
      handle,
      variant((q) => q.set('gender', 'male')),
    );
    await refused(
      handle,
      variant((q) => q.delete('gender')),
    );
    await refused(
      handle,
      variant((q) => q.append('family', 'Bình')),
    );
    // By another caller (a leaked link), or without the policy it was cut under.
    await refused(scoped(policy, { ...nurse, agent: { kind: 'user', id: 'u-other' } }), next);
    await refused(new ResourceSearch(db), next);
    // Tampered with, or forged as earlier versions cut them (base64 JSON of the values).
    const bytes = Buffer.from(cursor, 'base64url');
    for (const i of [0, 14, 30, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[i] = (tampered[i] as number) ^ 1;
      await refused(
        handle,
        variant((q) => q.set('_cursor', tampered.toString('base64url'))),
      );
    }
    const forged = Buffer.from(JSON.stringify({ s: 'birthdate', k: ['1975-01-01'], id: 'x' })).toString('base64url');
    await refused(
      handle,
      variant((q) => q.set('_cursor', forged)),
    );
    await refused(
      handle,
      variant((q) => q.set('_cursor', cursor.slice(0, 20))),
    );
    // Another sort is still named.
    const sorted = await rejection(
      handle.search(
        'Patient',
        variant((q) => q.set('_sort', 'family')),
      ),
    );
    expect(sorted.message).toMatch(/'_cursor': was cut for _sort 'birthdate', not 'family'/);
    // A store on another database does not take it.
    const elsewhere = await openStore(backend);
    try {
      await elsewhere.store.create({ resourceType: 'Patient', gender: 'female', birthDate: '2000-01-01' });
      await refused(new ResourceSearch(elsewhere.db), next);
    } finally {
      await elsewhere.dispose();
    }
    expect(store).toBeInstanceOf(ResourceStore);
  });

  it("seals the audit trail's cursors too: they hold no time or sequence, and serve one search and caller", async () => {
    const { scoped } = await open();
    const policy: AccessPolicy = { rules: [{ type: 'AuditEvent', interactions: ['search'] }] };
    const auditor = scoped(policy);
    for (let i = 0; i < 3; i++) await auditor.search('AuditEvent', { _count: '1' });
    const first = await auditor.search('AuditEvent', { _count: '1', outcome: '0' });
    const next = nextOf(first);
    const cursor = next.get('_cursor') as string;
    for (const text of readings(cursor)) {
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(text).not.toContain('Z","');
    }
    const second = await auditor.search('AuditEvent', next);
    expect(second.entry).toHaveLength(1);
    expect(second.entry?.[0]?.resource?.id).not.toBe(first.entry?.[0]?.resource?.id);
    for (const [caller, query] of [
      [scoped(policy, { ...nurse, agent: { kind: 'user', id: 'u-other' } }), next],
      [auditor, new URLSearchParams([...next, ['action', 'E']])],
      [auditor, new URLSearchParams([...next].map(([n, v]): [string, string] => [n, n === 'outcome' ? '4' : v]))],
    ] as const) {
      const error = await rejection(caller.search('AuditEvent', query));
      expect(error).toBeInstanceOf(InvalidSearchError);
      expect(error.message).toMatch(/^search parameter '_cursor': is not a cursor this server issued/);
    }
  });

  it('a cursor cut by one server process is followed by another on the same database', async () => {
    const { connectAgain } = await open();
    const policy: AccessPolicy = { rules: [{ type: 'Patient', interactions: ALL }] };
    // Two processes, each with its own connections and store, making the database's cursor key at once.
    const processes = [connectAgain(), connectAgain()].map(
      (db) => new ScopedStore(new ResourceStore(db), new AuditLog(db), policy, nurse),
    );
    const query = { _sort: '-birthdate', _count: '1' };
    const firsts = await Promise.all(processes.map((p) => p.search('Patient', query)));
    for (const [i, first] of firsts.entries()) {
      const other = processes[1 - i] as ScopedStore;
      const second = await other.search('Patient', nextOf(first));
      expect(second.entry?.map((e) => (e.resource as Patient).birthDate)).toEqual(['1975-01-02']);
    }
  });

  it("bounds a chain's targets by the compartment: another patient's data answers as if it did not exist", async () => {
    const { store, scoped } = await open();
    const other = await store.create<Patient>({ resourceType: 'Patient', birthDate: '1980-05-05' });
    const mine = await store.create<Patient>({
      resourceType: 'Patient',
      birthDate: '1999-09-09',
      link: [
        { other: { reference: `Patient/${other.id}` }, type: 'seealso' },
        { other: { reference: 'Patient/never-written' }, type: 'seealso' },
      ],
    });
    const seen = await store.create(
      observation(`Patient/${mine.id}`, { performer: [{ reference: `Patient/${other.id}` }] }),
    );
    const handle = scoped({
      rules: [
        { type: 'Patient', interactions: ALL },
        { type: 'Observation', interactions: ALL },
      ],
      compartment: [`Patient/${mine.id}`],
    });
    const ids = async (type: 'Patient' | 'Observation', query: SearchQuery) =>
      ((await handle.search(type, query)).entry ?? []).map((e) => e.resource?.id);
    // Within the compartment a chain works.
    expect(await ids('Observation', { 'subject:Patient.birthdate': '1999-09-09' })).toEqual([seen.id]);
    expect(await ids('Patient', { 'link:Patient._id': 'never-written' })).toEqual([]);
    // The other patient's birth date, the right one or a wrong one, answers as a patient never written does.
    for (const birthdate of ['1980-05-05', '1980-05-06', 'lt2100', 'gt1900']) {
      expect(await ids('Patient', { 'link:Patient.birthdate': birthdate }), birthdate).toEqual([]);
      expect(await ids('Observation', { 'performer:Patient.birthdate': birthdate }), birthdate).toEqual([]);
    }
    for (const query of [{ 'link:Patient._id': other.id }, { 'link:Patient.birthdate:missing': 'false' }]) {
      expect(await ids('Patient', query)).toEqual([]);
    }
    expect(await ids('Patient', { 'link:Patient.birthdate:missing': 'true' })).toEqual([]);
    // Without a compartment the chain reaches every patient.
    const everyone = scoped({ rules: [{ type: 'Patient', interactions: ALL }] });
    const found = await everyone.search('Patient', { 'link:Patient.birthdate': '1980-05-05' });
    expect(found.entry?.map((e) => e.resource?.id)).toEqual([mine.id]);
  });

  it("refuses a chain to an element the policy hides on the chain's target type", async () => {
    const { store, scoped } = await open();
    const patient = await store.create<Patient>({ resourceType: 'Patient', birthDate: BIRTH_DATE });
    await store.create(observation(`Patient/${patient.id}`));
    const handle = scoped({
      rules: [
        { type: 'Patient', interactions: ALL, hiddenFields: ['birthDate'] },
        { type: 'Observation', interactions: ALL },
      ],
    });
    const error = await rejection(handle.search('Observation', { 'subject:Patient.birthdate': BIRTH_DATE }));
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.message).toContain("'birthdate' reads Patient.birthDate, which its access policy hides");
  });
});
