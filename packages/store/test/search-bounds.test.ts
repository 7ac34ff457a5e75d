import type { Bundle } from '@mekong/fhir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ResourceSearch,
  ResourceStore,
  runMigrations,
  type SearchQuery,
  SearchTooCostlyError,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

// Enough matches for work that grows with their square to stand out from work that grows with their number.
const OBSERVATIONS = 1_500;
const PATIENTS = 300;

/** A client that keeps the text and parameters of the statements run through it. */
function recording(db: SqlClient) {
  const statements: { text: string; params: readonly unknown[] }[] = [];
  const client: SqlClient = {
    ...db,
    backend: db.backend,
    query: (text, params, options) => {
      statements.push({ text, params: params ?? [] });
      return db.query(text, params, options);
    },
  };
  return { client, statements };
}

interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe.each(backends)('the work of a sorted search on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  const codes = ['8867-4', '8480-6', '29463-7'];

  beforeAll(async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    // As a bulk load leaves it: one transaction, and no ANALYZE since (PGlite has no autovacuum).
    await db.transaction(async (tx) => {
      const store = new ResourceStore(tx);
      for (let i = 0; i < PATIENTS; i++) {
        await store.create({ resourceType: 'Patient', name: [{ family: `F${(i * 7919) % PATIENTS}`, given: ['An'] }] });
      }
      for (let i = 0; i < OBSERVATIONS; i++) {
        await store.create({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: codes[i % codes.length] as string }] },
          subject: { reference: `Patient/p${i % 100}` },
          effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % OBSERVATIONS) * 3_600_000).toISOString(),
          valueQuantity: { value: ((i * 104_729) % 10_007) / 10, system: 'http://unitsofmeasure.org', code: 'mg' },
        });
      }
    });
  }, 120_000);
  afterAll(async () => dispose?.());

  /** The plan of a statement, run (EXPLAIN ANALYZE), with the buffers each node touched. */
  const planOf = async (statement: { text: string; params: readonly unknown[] }) => {
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `explain (analyze, buffers, format json) ${statement.text}`,
      statement.params,
    );
    return (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
  };

  /** Runs a search and then its statement under EXPLAIN ANALYZE: its plan and the buffers it touched. */
  const explained = async (type: 'Patient' | 'Observation', query: SearchQuery, maxSortedMatches?: number) => {
    const { client, statements } = recording(db);
    const search = new ResourceSearch(client, maxSortedMatches === undefined ? {} : { maxSortedMatches });
    const bundle = await search.search(type, query).catch((error: unknown) => error);
    const plan = await planOf(statements[0] as (typeof statements)[number]);
    return { bundle, plan, buffers: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0) };
  };

  it.each([
    ['Observation', 'value-quantity', OBSERVATIONS],
    ['Observation', '-value-quantity', OBSERVATIONS],
    ['Observation', 'date', OBSERVATIONS],
    ['Observation', '-date', OBSERVATIONS],
    ['Observation', 'code', OBSERVATIONS],
    ['Observation', 'subject', OBSERVATIONS],
    ['Patient', 'family', PATIENTS],
  ] as const)('%s?_sort=%s reads a few index pages per match, without statistics', async (type, sort, matches) => {
    const { bundle, buffers } = await explained(type, { _sort: sort });
    expect((bundle as Bundle).entry).toHaveLength(20);
    // Each match's key is a probe of its own rows: a handful of pages each. A plan that walks the parameter's
    // whole index for every match reads hundreds per match here.
    expect(buffers).toBeLessThan(20 * matches);
  });

  it('sorts all the matches up to maxSortedMatches and refuses more, before keying the rest', async () => {
    const exact = new ResourceSearch(db, { maxSortedMatches: OBSERVATIONS });
    const sorted = await exact.search('Observation', { _sort: '-date', _count: '3' });
    const dates = sorted.entry?.map((e) => (e.resource as { effectiveDateTime: string }).effectiveDateTime);
    expect(dates).toEqual([...(dates ?? [])].sort().reverse());
    expect(dates?.[0]).toBe(new Date(Date.UTC(2024, 0, 1) + (OBSERVATIONS - 1) * 3_600_000).toISOString());

    const limited = new ResourceSearch(db, { maxSortedMatches: 100 });
    const refusal = await limited.search('Observation', { _sort: 'date' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SearchTooCostlyError);
    expect(refusal).toMatchObject({ status: 400, issueType: 'too-costly', code: 'SEARCH_TOO_COSTLY' });
    expect((refusal as Error).message).toMatch(/Observation sorted by 'date' matches more than 100 resources/);
    expect((refusal as SearchTooCostlyError).hint).toMatch(/narrow the search .* or sort by _lastUpdated or _id/);

    // The refused statement computed no more than 101 keys.
    const { plan } = await explained('Observation', { _sort: 'date' }, 100);
    const keyed = nodes(plan).filter((node) => node['Parent Relationship'] === 'SubPlan');
    expect(keyed.length).toBeGreaterThan(0);
    for (const node of keyed) expect(node['Actual Loops']).toBeLessThanOrEqual(101);

    // Narrowed below the limit, or sorted by an index of the resource table, the same search answers.
    const narrowed = await limited.search('Observation', { subject: 'Patient/p7', _sort: 'date' });
    expect(narrowed.entry).toHaveLength(15);
    expect((await limited.search('Observation', { _sort: '-_lastUpdated' })).entry).toHaveLength(20);
    expect((await limited.search('Observation', {})).entry).toHaveLength(20);
  });
});
