import { foldText } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuditLog,
  AuditSearch,
  INDEXED_TEXT_BYTES,
  InvalidResourceError,
  MAX_INDEX_VALUES_PER_RESOURCE,
  ResourceSearch,
  ResourceStore,
  runMigrations,
  type SearchQuery,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';
import { indexedText } from '../src/search/indexed-text.js';
import { backends, isolatedDatabase } from './backends.js';

// Text that does not compress (a B-tree entry is compressed before its size is checked), with characters of
// 1, 2, 3 and 4 bytes in UTF-8 so that cuts fall inside characters.
function text(
  length: number,
  seed: number,
  alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789ăđễưởÀ𠀀😀',
): string {
  const chars = [...alphabet];
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += chars[state % chars.length];
  }
  return out;
}
const bytes = (value: string) => new TextEncoder().encode(value).length;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('indexedText', () => {
  it('keeps short text, and cuts long text on a character boundary at most INDEXED_TEXT_BYTES long', () => {
    expect(INDEXED_TEXT_BYTES).toBe(1000);
    expect(indexedText('Nguyễn')).toBe('Nguyễn');
    expect(indexedText('ễ'.repeat(400))).toBe('ễ'.repeat(333)); // 3 bytes each: 999 of 1,200
    expect(indexedText('𠀀'.repeat(250))).toBe('𠀀'.repeat(250)); // exactly 1,000 bytes
    expect(indexedText(`a${'𠀀'.repeat(250)}`)).toBe(`a${'𠀀'.repeat(249)}`); // 997 bytes
    for (let seed = 1; seed < 50; seed++) {
      const long = text(1200, seed); // at least 1,200 bytes
      const cut = indexedText(long);
      expect(long.startsWith(cut)).toBe(true);
      expect(bytes(cut)).toBeLessThanOrEqual(1000);
      // The longest such prefix: one more character would not fit.
      const next = String.fromCodePoint(long.slice(cut.length).codePointAt(0) as number);
      expect(bytes(cut + next)).toBeGreaterThan(1000);
    }
  });
});

describe.each(backends)('long values on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let search: ResourceSearch;
  afterEach(async () => dispose?.());

  const open = async (migrations = storeMigrations) => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [migrations]);
    store = new ResourceStore(db);
    search = new ResourceSearch(db);
  };
  const found = async (type: 'Patient' | 'Observation' | 'ValueSet', query: SearchQuery) =>
    ((await search.search(type, query)).entry ?? []).map((e) => e.resource?.id);

  it('are stored whole, indexed by their leading 1,000 bytes, and found by the whole value', async () => {
    await open();
    const system = `urn:${text(3000, 1).replace(/[^\w]/g, 'x')}`;
    const value = text(3000, 2);
    const family = text(3000, 3);
    const phone = text(2800, 4);
    const type = `P${text(3000, 5, LETTERS)}`;
    const patient = await store.create({
      resourceType: 'Patient',
      identifier: [{ system, value }],
      name: [{ family, given: ['An'] }],
      telecom: [{ system: 'phone', value: phone }],
      generalPractitioner: [{ reference: `${type}/dr-1` }],
    });
    expect((await store.read('Patient', patient.id)).identifier?.[0]?.value).toBe(value);
    expect(await found('Patient', { identifier: `${system}|${value}` })).toEqual([patient.id]);
    expect(await found('Patient', { identifier: value })).toEqual([patient.id]);
    expect(await found('Patient', { identifier: `${system}|` })).toEqual([patient.id]);
    expect(await found('Patient', { family })).toEqual([patient.id]);
    expect(await found('Patient', { 'family:exact': family })).toEqual([patient.id]);
    expect(await found('Patient', { 'family:contains': family.slice(100, 400) })).toEqual([patient.id]);
    expect(await found('Patient', { telecom: phone })).toEqual([patient.id]);
    expect(await found('Patient', { 'general-practitioner': `${type}/dr-1` })).toEqual([patient.id]);
    // Beyond 1,000 bytes matching is by the leading part; within them, a difference is a difference.
    const sameStart = indexedText(value) + text(100, 9);
    expect(await found('Patient', { identifier: sameStart })).toEqual([patient.id]);
    expect(await found('Patient', { 'family:exact': family.slice(0, -1) })).toEqual([]);
    expect(await found('Patient', { identifier: `x${value}` })).toEqual([]);

    const unit = text(3000, 6);
    const codeSystem = `http://${text(3000, 7, LETTERS)}`;
    const code = text(3000, 8, LETTERS);
    const observation = await store.create({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: codeSystem, code }] },
      valueQuantity: { value: 7.5, unit, system: codeSystem },
    });
    expect(await found('Observation', { code: `${codeSystem}|${code}` })).toEqual([observation.id]);
    expect(await found('Observation', { 'value-quantity': `7.5|${codeSystem}|${unit}` })).toEqual([observation.id]);

    const url = `http://example.org/${text(3000, 10, LETTERS)}`;
    const valueSet = await store.create({ resourceType: 'ValueSet', status: 'draft', url });
    expect(await found('ValueSet', { url })).toEqual([valueSet.id]);
    expect(await found('ValueSet', { 'url:below': url.slice(0, 600) })).toEqual([valueSet.id]);

    const { rows } = await db.query<{ longest: number }>(
      `select max(n)::int as longest from (
         select greatest(octet_length(code), octet_length(system)) as n from mekong_search_token
         union all select octet_length(folded) from mekong_search_string
         union all select octet_length(target_type) from mekong_search_reference
         union all select octet_length(value) from mekong_search_uri
         union all select greatest(octet_length(code), octet_length(system)) from mekong_search_quantity) lengths`,
    );
    expect(rows[0]?.longest).toBeLessThanOrEqual(1000);
    expect(rows[0]?.longest).toBeGreaterThan(990);
  });

  it('written by an earlier version are cut the same way by migration store@0011, and still found', async () => {
    await open({ ...storeMigrations, migrations: storeMigrations.migrations.filter((m) => m.version <= '0010') });
    // Short enough for a B-tree entry, so an earlier version indexed them whole.
    const values = [text(1500, 11), `a${'𠀀'.repeat(400)}`, `ab${'ễ'.repeat(500)}`, 'short'];
    const patients: { id: string }[] = [];
    for (const value of values) {
      patients.push(
        await store.create({ resourceType: 'Patient', identifier: [{ value }], name: [{ family: value }] }),
      );
    }
    await db.query(
      `update mekong_search_token s set code = p.value from (select unnest($1::text[]) as id, unnest($2::text[]) as value) p
       where s.id = p.id and s.param = 'identifier'`,
      [patients.map((p) => p.id), values],
    );
    await db.query(
      `update mekong_search_string s set folded = p.value from (select unnest($1::text[]) as id, unnest($2::text[]) as value) p
       where s.id = p.id and s.param = 'family'`,
      [patients.map((p) => p.id), values.map(foldText)],
    );
    expect((await runMigrations(db, [storeMigrations])).applied).toEqual(['store@0011']);
    const { rows } = await db.query<{ id: string; code: string; folded: string }>(
      `select t.id, t.code, s.folded from mekong_search_token t join mekong_search_string s using (id)
       where t.param = 'identifier' and s.param = 'family'`,
    );
    for (const [i, value] of values.entries()) {
      const row = rows.find((r) => r.id === patients[i]?.id);
      expect(row?.code).toBe(indexedText(value));
      expect(row?.folded).toBe(indexedText(foldText(value)));
      expect(await found('Patient', { identifier: value })).toEqual([patients[i]?.id]);
      expect(await found('Patient', { family: value })).toEqual([patients[i]?.id]);
    }
  });

  it(`are refused, naming the element, when one resource gives the indexes more than ${MAX_INDEX_VALUES_PER_RESOURCE} values`, async () => {
    await open();
    const refusal = async (write: Promise<unknown>) => {
      const error = await write.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidResourceError);
      return (error as InvalidResourceError).issues.map((i) => `${i.path}: ${i.message}`);
    };
    const identifier = Array.from({ length: 200_000 }, (_, i) => ({ value: String(i) }));
    expect(await refusal(store.create({ resourceType: 'Patient', identifier }))).toEqual([
      expect.stringMatching(/^Patient\.identifier: gives the search indexes more than 20,000 values/),
    ]);
    const coding = Array.from({ length: 30_000 }, (_, i) => ({ system: 'http://loinc.org', code: String(i) }));
    expect(await refusal(store.create({ resourceType: 'Observation', status: 'final', code: { coding } }))).toEqual([
      expect.stringMatching(/^Observation\.code: gives the search indexes more than 20,000 values/),
    ]);
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from mekong_resource');
    expect(rows[0]?.n).toBe(0);
    // Elements no search parameter covers are not counted: 200,000 extensions are stored.
    const extension = Array.from({ length: 200_000 }, () => ({ url: 'http://example.org/x', valueString: 'a' }));
    const stored = await store.create({ resourceType: 'Patient', extension, identifier: identifier.slice(0, 1000) });
    expect((await store.read('Patient', stored.id)).extension).toHaveLength(200_000);
    expect(await found('Patient', { identifier: '999' })).toEqual([stored.id]);
  }, 60_000);

  it('an audit record of an agent whose id is 3 KB (a token sub) is written, and found by that id', async () => {
    await open();
    const id = text(3000, 40, LETTERS);
    await new AuditLog(db).record({
      interaction: 'search-type',
      context: { agent: { kind: 'user', id } },
      outcome: 'success',
      recorded: new Date('2026-12-01T00:00:00Z'),
    });
    const events = await new AuditSearch(db).search({ agent: id });
    expect(events.entry?.map((e) => e.resource?.resourceType)).toEqual(['AuditEvent']);
  });

  it('text no database can hold is refused at its element, and nothing is written', async () => {
    await open();
    for (const family of ['Nguy\uD800n', 'a\u0000b']) {
      await expect(store.create({ resourceType: 'Patient', name: [{ family }] })).rejects.toMatchObject({
        issues: [{ path: 'Patient.name[0].family', message: expect.stringContaining('must be valid Unicode text') }],
      });
    }
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from mekong_resource');
    expect(rows[0]?.n).toBe(0);
  });
});
