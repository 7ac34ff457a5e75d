import { randomUUID } from 'node:crypto';
import {
  openPglite,
  ResourceSearch,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
  TableMaintenance,
} from '@mekong/store';
import { median } from '../kernel/stats.js';
import { withPostgresSchema } from './postgres-schema.js';

// Sorted search over SORT_N Observations (default 12,000, the case of the hardening issue: 75 s and a frozen
// process on PGlite before), created through the store in transactions of 500, against a bare table of the same
// JSON sorted by the same element (a top-N sort over a scan), on the same backend, in the same run. Measured as
// loaded (PGlite has no autovacuum: no statistics yet) and after the store's TableMaintenance check.
const SORT_N = Number(process.env.SORT_N ?? 12_000);
const QUERIES = 5;
const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CODES = ['8867-4', '8480-6', '8462-4', '29463-7', '8302-2'];

const observationOf = (i: number) => ({
  resourceType: 'Observation' as const,
  status: 'final' as const,
  code: { coding: [{ system: 'http://loinc.org', code: CODES[i % CODES.length] as string }] },
  subject: { reference: `Patient/p${i % 3_000}` },
  effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + ((i * 7_919) % SORT_N) * 60_000).toISOString(),
  valueQuantity: { value: ((i * 104_729) % 10_007) / 10, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
});

const SORTS = [
  ['value-quantity', `(content->'valueQuantity'->>'value')::numeric`],
  ['-value-quantity', `(content->'valueQuantity'->>'value')::numeric desc`],
  ['date', `(content->>'effectiveDateTime')::timestamptz`],
  ['code', `content->'code'->'coding'->0->>'code'`],
] as const;

/** Median latency of a few runs, and the longest a 10 ms timer waited meanwhile (how long the process froze). */
async function timed(run: () => Promise<unknown>): Promise<{ ms: number; stall: number }> {
  const samples: number[] = [];
  let stall = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 10);
    last = now;
  }, 10);
  for (let i = 0; i < QUERIES; i++) {
    last = performance.now();
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
    // Let the timer see the stall before the next run.
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  clearInterval(timer);
  return { ms: median(samples), stall };
}

async function measure(label: string, db: SqlClient) {
  await runMigrations(db, [storeMigrations]);
  await db.query('create table raw_resource (id text primary key, content jsonb not null)');
  const t = performance.now();
  for (let from = 0; from < SORT_N; from += 500) {
    await db.transaction(async (tx) => {
      const store = new ResourceStore(tx);
      for (let i = from; i < Math.min(SORT_N, from + 500); i++) {
        const observation = observationOf(i);
        await store.create(observation);
        await tx.query('insert into raw_resource values ($1, $2::jsonb)', [randomUUID(), JSON.stringify(observation)]);
      }
    });
  }
  const loadSeconds = (performance.now() - t) / 1000;
  const search = new ResourceSearch(db);
  const states = [];
  for (const state of ['as loaded', 'after TableMaintenance'] as const) {
    let maintenanceMs = 0;
    if (state !== 'as loaded') {
      const m = performance.now();
      await new TableMaintenance(db).check();
      maintenanceMs = performance.now() - m;
    }
    const rows = [];
    for (const [sort, expression] of SORTS) {
      const store = await timed(() => search.search('Observation', { _sort: sort }));
      const raw = await timed(() => db.query(`select content from raw_resource order by ${expression}, id limit 20`));
      rows.push({ sort, store, raw });
    }
    states.push({ state, maintenanceMs, rows });
  }
  return { label, loadSeconds, states };
}

const results = [];
const pglite = await openPglite();
results.push(await measure('PGlite (in memory)', pglite));
await pglite.close();
results.push(await withPostgresSchema(postgresUrl, (db) => measure('PostgreSQL', db)));

console.log(`## Sorted search over ${SORT_N} Observations (ms, median of ${QUERIES})\n`);
console.log('| backend, state | _sort | store | longest stall | raw jsonb sort | ratio (raw / store) |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const { label, states } of results) {
  for (const { state, rows } of states) {
    for (const { sort, store, raw } of rows) {
      console.log(
        `| ${label}, ${state} | ${sort} | ${store.ms.toFixed(1)} | ${store.stall.toFixed(0)} | ${raw.ms.toFixed(1)} | ${(raw.ms / store.ms).toFixed(2)} |`,
      );
    }
  }
}
for (const { label, loadSeconds, states } of results) {
  const maintenance = states.find((s) => s.maintenanceMs > 0)?.maintenanceMs ?? 0;
  console.log(
    `\n${label}: loaded ${SORT_N} Observations (store and raw) in ${loadSeconds.toFixed(0)} s; TableMaintenance check ${maintenance.toFixed(0)} ms`,
  );
}
const worst = Math.max(...(results[0]?.states.flatMap((s) => s.rows.map((r) => r.store.ms)) ?? [Infinity]));
console.log(
  `\ntarget on PGlite: every sort over ${SORT_N} Observations under 1 s, as loaded and after maintenance: ${worst < 1_000 ? 'met' : 'NOT met'}`,
);
