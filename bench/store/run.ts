import { randomUUID } from 'node:crypto';
import { openPglite, ResourceStore, runMigrations, type SqlClient, storeMigrations } from '@mekong/store';
import { withPostgresSchema } from './postgres-schema.js';

// Store create and read throughput against raw statements that insert or select the same JSON in a bare
// table, on the same backend, in the same run. Single client, one operation at a time (latency-bound).
const N = Number(process.env.BENCH_N ?? 2_000);
const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const patient = {
  resourceType: 'Patient' as const,
  identifier: [{ system: 'http://fhir.ehealth.gov.vn/core/sid/citizen_id', value: '079190001234' }],
  name: [{ family: 'Nguyễn', given: ['Thị', 'Hoa'], text: 'Nguyễn Thị Hoa' }],
  gender: 'female' as const,
  birthDate: '1990-04-12',
  telecom: [{ system: 'phone' as const, value: '0901234567', use: 'mobile' as const }],
  address: [{ line: ['12 Lê Lợi'], district: 'Quận 1', city: 'Hồ Chí Minh', country: 'VN' }],
};

async function perSecond(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return count / ((performance.now() - t) / 1000);
}

async function measure(label: string, db: SqlClient) {
  await runMigrations(db, [storeMigrations]);
  await db.query('create table raw_resource (id text primary key, content jsonb not null)');
  const store = new ResourceStore(db);
  const json = JSON.stringify(patient);
  // Warm-up of both paths.
  for (let i = 0; i < 100; i++) {
    await db.query('insert into raw_resource values ($1, $2::jsonb)', [randomUUID(), json]);
    await store.create(patient);
  }
  const rawIds: string[] = [];
  const rawInsert = await perSecond(N, async () => {
    const id = randomUUID();
    rawIds.push(id);
    await db.query('insert into raw_resource values ($1, $2::jsonb)', [id, json]);
  });
  const storeIds: string[] = [];
  const storeCreate = await perSecond(N, async () => {
    storeIds.push((await store.create(patient)).id);
  });
  const rawSelect = await perSecond(N, (i) =>
    db.query('select content from raw_resource where id = $1', [rawIds[(i * 7919) % rawIds.length]]),
  );
  const storeRead = await perSecond(N, (i) => store.read('Patient', storeIds[(i * 7919) % storeIds.length] as string));
  return [
    [label, 'create', storeCreate, rawInsert],
    [label, 'read by id', storeRead, rawSelect],
  ] as const;
}

const rows = [];
const pglite = await openPglite();
rows.push(...(await measure('PGlite (in memory)', pglite)));
await pglite.close();

rows.push(...(await withPostgresSchema(postgresUrl, (db) => measure('PostgreSQL', db))));

console.log(`## Store throughput (operations per second, ${N} sequential operations each)\n`);
console.log('| backend | operation | store | raw statement | ratio (store / raw) |');
console.log('| --- | --- | --- | --- | --- |');
for (const [backend, op, store, raw] of rows) {
  console.log(`| ${backend} | ${op} | ${Math.round(store)} | ${Math.round(raw)} | ${(store / raw).toFixed(2)} |`);
}
const pg = rows.filter(([backend]) => backend === 'PostgreSQL');
const create = pg.find(([, op]) => op === 'create');
const read = pg.find(([, op]) => op === 'read by id');
console.log(
  `\ntargets on PostgreSQL: create >= 0.50 of raw insert: ${create && create[2] / create[3] >= 0.5 ? 'met' : 'NOT met'}; ` +
    `read >= 0.70 of raw select: ${read && read[2] / read[3] >= 0.7 ? 'met' : 'NOT met'}`,
);
