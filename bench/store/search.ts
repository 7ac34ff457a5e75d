import { randomUUID } from 'node:crypto';
import {
  openPglite,
  ResourceSearch,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
} from '@mekong/store';
import { median } from '../kernel/stats.js';
import { withPostgresSchema } from './postgres-schema.js';

// Search latency at SEARCH_N patients (default 100,000), created through the store, against a bare table of
// the same JSON searched by jsonb containment over a GIN index, on the same backend, in the same run.
const SEARCH_N = Number(process.env.SEARCH_N ?? 100_000);
const QUERIES = 300;
const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CCCD = 'http://fhir.ehealth.gov.vn/core/sid/citizen_id';
const FAMILIES = [
  'Nguyễn',
  'Trần',
  'Lê',
  'Phạm',
  'Hoàng',
  'Huỳnh',
  'Phan',
  'Vũ',
  'Võ',
  'Đặng',
  'Bùi',
  'Đỗ',
  'Hồ',
  'Ngô',
  'Dương',
  'Lý',
];
const GIVEN = [
  'An',
  'Bình',
  'Chi',
  'Dũng',
  'Giang',
  'Hà',
  'Hải',
  'Hoa',
  'Hùng',
  'Khánh',
  'Lan',
  'Linh',
  'Minh',
  'Nam',
  'Ngọc',
  'Phúc',
  'Quân',
  'Sơn',
  'Thảo',
  'Trang',
  'Tuấn',
  'Vy',
];

const pick = <T>(list: readonly T[], i: number) => list[i % list.length] as T;
const patientOf = (i: number) => ({
  resourceType: 'Patient' as const,
  identifier: [{ system: CCCD, value: `0791${String(90_000_000 + i).padStart(8, '0')}` }],
  name: [{ family: pick(FAMILIES, i * 7), given: [pick(GIVEN, i * 13), pick(GIVEN, i * 3 + 1)] }],
  gender: i % 2 ? ('female' as const) : ('male' as const),
  birthDate: `19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 9}`,
});

async function latencies(run: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    await run(i);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return {
    p50: median(samples),
    p95: samples[Math.floor(samples.length * 0.95)] as number,
    p99: samples[Math.floor(samples.length * 0.99)] as number,
  };
}

async function measure(label: string, db: SqlClient) {
  await runMigrations(db, [storeMigrations]);
  await db.query('create table raw_resource (id text primary key, content jsonb not null)');
  await db.query('create index raw_resource_content on raw_resource using gin (content jsonb_path_ops)');
  const store = new ResourceStore(db);
  const search = new ResourceSearch(db);
  const t = performance.now();
  for (let i = 0; i < SEARCH_N; i++) {
    const patient = patientOf(i);
    await store.create(patient);
    await db.query('insert into raw_resource values ($1, $2::jsonb)', [randomUUID(), JSON.stringify(patient)]);
  }
  const loadSeconds = (performance.now() - t) / 1000;
  // Only this run's tables: the server's database is shared with other schemas.
  const { rows: tables } = await db.query<{ tablename: string }>(
    'select tablename from pg_tables where schemaname = current_schema()',
  );
  const own = tables.map((t) => t.tablename).join(', ');
  await db.query(`analyze ${own}`);
  // Autovacuum is off on this project's PostgreSQL server and PGlite has none: right after loading, the
  // visibility map is empty and every index-only scan reads the heap too. Measure that state, then the one
  // autovacuum keeps a production server in (after VACUUM).
  const asLoaded = await searches(db, search);
  await db.query(`vacuum analyze ${own}`);
  const vacuumed = await searches(db, search);
  return { label, loadSeconds, states: [['as loaded', asLoaded] as const, ['after VACUUM', vacuumed] as const] };
}

async function searches(db: SqlClient, search: ResourceSearch) {
  const target = (i: number) => (i * 7919) % SEARCH_N;
  const byIdentifier = await latencies((i) =>
    search.search('Patient', { identifier: `${CCCD}|${patientOf(target(i)).identifier[0]?.value}` }),
  );
  const rawIdentifier = await latencies((i) =>
    db.query('select content from raw_resource where content @> $1::jsonb limit 20', [
      JSON.stringify({ identifier: [{ system: CCCD, value: patientOf(target(i)).identifier[0]?.value }] }),
    ]),
  );
  const byName = await latencies((i) =>
    search.search('Patient', { family: 'nguyen', given: pick(GIVEN, i).slice(0, 3).toLowerCase() }),
  );
  const rawName = await latencies((i) =>
    db.query('select content from raw_resource where content @> $1::jsonb limit 20', [
      JSON.stringify({ name: [{ family: 'Nguyễn', given: [pick(GIVEN, i)] }] }),
    ]),
  );
  const byNameSorted = await latencies((i) =>
    search.search('Patient', {
      family: 'nguyen',
      given: pick(GIVEN, i).slice(0, 3).toLowerCase(),
      _sort: '-birthdate',
    }),
  );
  const rawNameSorted = await latencies((i) =>
    db.query(
      `select content from raw_resource where content @> $1::jsonb order by content->>'birthDate' desc limit 20`,
      [JSON.stringify({ name: [{ family: 'Nguyễn', given: [pick(GIVEN, i)] }] })],
    ),
  );
  return [
    ['identifier', byIdentifier, rawIdentifier],
    ['name (family + given prefix)', byName, rawName],
    ['name, _sort=-birthdate', byNameSorted, rawNameSorted],
  ] as const;
}

const results = [];
const pglite = await openPglite();
results.push(await measure('PGlite (in memory)', pglite));
await pglite.close();
results.push(await withPostgresSchema(postgresUrl, (db) => measure('PostgreSQL', db)));

console.log(`## Search latency at ${SEARCH_N} patients (ms, ${QUERIES} queries each)\n`);
console.log(
  '| backend | search | store p50 | store p95 | store p99 | raw jsonb p50 | raw jsonb p95 | ratio of p50 (raw / store) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { label, states } of results) {
  for (const [state, rows] of states) {
    for (const [what, store, raw] of rows) {
      console.log(
        `| ${label}, ${state} | ${what} | ${store.p50.toFixed(2)} | ${store.p95.toFixed(2)} | ${store.p99.toFixed(2)} | ${raw.p50.toFixed(2)} | ${raw.p95.toFixed(2)} | ${(raw.p50 / store.p50).toFixed(2)} |`,
      );
    }
  }
}
for (const { label, loadSeconds } of results)
  console.log(`\n${label}: loaded ${SEARCH_N} patients (store and raw) in ${loadSeconds.toFixed(0)} s`);
const pg = results.find((r) => r.label === 'PostgreSQL');
for (const [state, rows] of pg?.states ?? []) {
  const worst = Math.max(...rows.slice(0, 2).map(([, store]) => store.p50));
  console.log(
    `\ntarget on PostgreSQL (${state}): identifier and name search p50 under 10 ms at 100,000 patients: ${worst < 10 && SEARCH_N >= 100_000 ? 'met' : 'NOT met'}`,
  );
}
