import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './child-protocol.js';
import { cpuMeter } from './cpu.js';
import { combine, cpuPerRequest, type Load, load, rps, type Scenario } from './load.js';
import { patientOf } from './patients.js';
import { createSchema } from './pg-schema.js';
import { createScenario, headersFor, READ_SET_FROM, readScenario, searchPath, searchScenario } from './scenarios.js';
import { reportStartToReady } from './start-report.js';

// The Mekong server (store + server plugins on PostgreSQL, API-key authentication) against a bare Fastify +
// pg handler doing the same insert or select, under autocannon on loopback, in one run; then the time from
// process start until /readyz answers, on PostgreSQL and on a first PGlite start. Servers run in child
// processes; the load generator runs here.
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const READ_SET = Number(process.env.BENCH_READ_SET ?? 1_000);
const CONNECTIONS = [10, 100];
const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const MEKONG = here('./mekong-server.ts');
const BASELINE = here('./baseline-server.ts');
const TARGETS: Record<string, number> = { create: 0.5, read: 0.6 };

/** Creates patients READ_SET_FROM.. through `url`, 10 at a time; their ids in order. */
async function seed(url: string, headers: Record<string, string>): Promise<string[]> {
  const ids: string[] = new Array(READ_SET);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < READ_SET; i = next++) {
      const response = await fetch(`${url}/fhir/R4/Patient`, {
        method: 'POST',
        headers,
        body: JSON.stringify(patientOf(READ_SET_FROM + i)),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status !== 201 || !body.id)
        throw new Error(`seeding ${url}: ${response.status} ${JSON.stringify(body)}`);
      ids[i] = body.id;
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return ids;
}

/** Both servers must find exactly the one patient a search names, and read it back. */
async function check(url: string, headers: Record<string, string>, id: string): Promise<void> {
  const read = await fetch(`${url}/fhir/R4/Patient/${id}`, { headers });
  if (read.status !== 200) throw new Error(`read on ${url}: ${read.status} ${await read.text()}`);
  const search = await fetch(`${url}${searchPath(READ_SET_FROM)}`, { headers });
  const bundle = (await search.json()) as { entry?: { resource: { id: string } }[] };
  if (search.status !== 200 || bundle.entry?.length !== 1 || bundle.entry[0]?.resource.id !== id)
    throw new Error(`search on ${url} did not find exactly patient ${id}: ${JSON.stringify(bundle).slice(0, 500)}`);
}

/** One figure: a scenario at a number of connections, on a Mekong server and on the baseline. */
type Row = { name: string; connections: number; mekong: Load; baseline: Load };

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(0));

const load1 = () => loadavg()[0]?.toFixed(1);
console.log(
  `# HTTP benchmark: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores, load average ${load1()}`,
);
console.log(
  `(${SECONDS} s per server and figure, as two halves in the order baseline, Mekong, Mekong, baseline; ` +
    'autocannon on loopback, servers in child processes)\n',
);

const schemas = [
  await createSchema(postgresUrl),
  await createSchema(postgresUrl),
  await createSchema(postgresUrl),
] as const;
// The Mekong server as deployed by default, and the same with plugins.store.auditCommit: 'asynchronous'.
const [mekong, asyncAudit, baseline] = await Promise.all([
  spawnServer(MEKONG, { DATABASE_URL: schemas[0].as('bench_http_mekong'), BENCH_API_KEY: '1' }),
  spawnServer(MEKONG, {
    DATABASE_URL: schemas[1].as('bench_http_mekong_async'),
    BENCH_API_KEY: '1',
    BENCH_AUDIT_COMMIT: 'asynchronous',
  }),
  spawnServer(BASELINE, { DATABASE_URL: schemas[2].as('bench_http_baseline') }),
]);
const meters = {
  mekong: cpuMeter(postgresUrl, mekong.child.pid ?? 0, 'bench_http_mekong'),
  asyncAudit: cpuMeter(postgresUrl, asyncAudit.child.pid ?? 0, 'bench_http_mekong_async'),
  baseline: cpuMeter(postgresUrl, baseline.child.pid ?? 0, 'bench_http_baseline'),
};
try {
  const headers = headersFor(mekong.key ?? '');
  const asyncHeaders = headersFor(asyncAudit.key ?? '');
  const [mekongIds, asyncIds, baselineIds] = [
    await seed(mekong.url, headers),
    await seed(asyncAudit.url, asyncHeaders),
    await seed(baseline.url, headers),
  ];
  await check(mekong.url, headers, mekongIds[0] as string);
  await check(asyncAudit.url, asyncHeaders, asyncIds[0] as string);
  await check(baseline.url, headers, baselineIds[0] as string);

  const scenarios: [string, (ids: readonly string[]) => Scenario][] = [
    ['create', () => createScenario(headers)],
    ['read', (ids) => readScenario(headers, ids)],
    ['search', (ids) => searchScenario(headers, ids.length)],
  ];
  // Warm-up of every path on both servers (JIT, pools, plan caches).
  for (const [, scenario] of scenarios) {
    await load(baseline.url, scenario(baselineIds), 10, 2);
    await load(mekong.url, scenario(mekongIds), 10, 2);
  }

  // Baseline, Mekong, Mekong, baseline for each figure: drift in the machine's load falls on both alike.
  const measure = async (
    server: { url: string; ids: readonly string[]; meter: typeof meters.mekong; scenarios: typeof scenarios },
    label: string,
  ): Promise<Row[]> => {
    const rows: Row[] = [];
    for (const [name, scenario] of server.scenarios) {
      for (const connections of CONNECTIONS) {
        const half = SECONDS / 2;
        const b1 = await load(baseline.url, scenario(baselineIds), connections, half, meters.baseline);
        const m1 = await load(server.url, scenario(server.ids), connections, half, server.meter);
        const m2 = await load(server.url, scenario(server.ids), connections, half, server.meter);
        const b2 = await load(baseline.url, scenario(baselineIds), connections, half, meters.baseline);
        const [m, b] = [combine(m1, m2), combine(b1, b2)];
        rows.push({ name, connections, mekong: m, baseline: b });
        console.error(`  ${name} @${connections}: ${label} ${fmt(rps(m))} req/s, baseline ${fmt(rps(b))} req/s`);
      }
    }
    return rows;
  };
  const rows = await measure({ url: mekong.url, ids: mekongIds, meter: meters.mekong, scenarios }, 'Mekong');
  // Only reads, searches and refusals have records that commit on their own: creates are the same.
  const asyncScenarios: typeof scenarios = [
    ['read', (ids) => readScenario(asyncHeaders, ids)],
    ['search', (ids) => searchScenario(asyncHeaders, ids.length)],
  ];
  for (const [, scenario] of asyncScenarios) await load(asyncAudit.url, scenario(asyncIds), 10, 2);
  const asyncRows = await measure(
    { url: asyncAudit.url, ids: asyncIds, meter: meters.asyncAudit, scenarios: asyncScenarios },
    'Mekong (auditCommit asynchronous)',
  );

  printTables(rows, 'Mekong / bare Fastify + pg', true);
  printTables(
    asyncRows,
    "Mekong with `plugins.store.auditCommit: 'asynchronous'` / bare Fastify + pg (reads and searches)",
    false,
  );
  const failures = [...rows, ...asyncRows].flatMap((r) =>
    [
      ['Mekong', r.mekong],
      ['baseline', r.baseline],
    ].flatMap(([who, l]) =>
      (l as Load).failures > 0 ? [`${r.name} @${r.connections} ${who}: ${(l as Load).failures}`] : [],
    ),
  );
  console.log(`\nfailed requests (wrong status, errors, timeouts): ${failures.join('; ') || 'none'}`);
  console.log(`load average after the load runs: ${load1()}`);
} finally {
  await Promise.all([mekong.stop(), asyncAudit.stop(), baseline.stop()]);
  for (const schema of schemas) await schema.drop();
}

/** The throughput and latency table and the CPU table of a set of figures; `targets` adds the verdicts. */
function printTables(rows: readonly Row[], title: string, targets: boolean): void {
  console.log(`## Throughput and latency (${title})\n`);
  console.log(
    '| scenario | connections | Mekong req/s | baseline req/s | ratio | Mekong p50 / p99 (ms) | baseline p50 / p99 (ms) | target |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, connections, mekong: m, baseline: b } of rows) {
    const ratio = rps(m) / rps(b);
    const target = targets ? TARGETS[name] : undefined;
    const verdict = target === undefined ? '-' : `>= ${target.toFixed(2)}: ${ratio >= target ? 'met' : '**NOT met**'}`;
    console.log(
      `| ${name} | ${connections} | ${fmt(rps(m))} | ${fmt(rps(b))} | ${ratio.toFixed(2)} | ${ms(m.p50)} / ${ms(m.p99)} | ${ms(b.p50)} / ${ms(b.p99)} | ${verdict} |`,
    );
  }
  console.log(`\n## CPU per request (µs): server process + its PostgreSQL backends (${title})\n`);
  console.log('| scenario | connections | Mekong server | Mekong database | baseline server | baseline database |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const { name, connections, mekong: m, baseline: b } of rows) {
    const [mc, bc] = [cpuPerRequest(m), cpuPerRequest(b)];
    console.log(
      `| ${name} | ${connections} | ${fmt(mc.server)} | ${fmt(mc.database)} | ${fmt(bc.server)} | ${fmt(bc.database)} |`,
    );
  }
  console.log('');
}

await reportStartToReady(postgresUrl);
