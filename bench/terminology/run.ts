import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHost } from '@mekong/kernel';
import { serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import {
  type CodeSystemDefinition,
  type ConceptDefinition,
  foldedTokens,
  InMemoryTerminology,
  terminologyPlugin,
} from '@mekong/terminology';
import { median, nsPerCall } from '../kernel/stats.js';
import { syntheticIcd10 } from './synthetic-icd10.js';

// $expand?filter= and $validate-code over ~12,500 ICD-10-shaped codes: the terminology service in process and
// over HTTP (inject, through auth, audit and Parameters), against a plain in-memory linear scan of the same
// concepts (folded words precomputed) and a Map lookup, in the same run.
const ROUNDS = Number(process.env.TERMINOLOGY_ROUNDS ?? 200);
const URL_ICD = 'http://hl7.org/fhir/sid/icd-10';
const VS = 'https://bench.example/ValueSet/icd-10';
const FILTERS = [
  'nhoi mau',
  'viem phoi',
  'dai thao duong',
  'i21',
  'suy than man',
  'khong xac dinh',
  'gay xuong',
  'u ac',
  'benh',
  'nhiem trung ho hap',
];

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function msSamples(fn: (i: number) => unknown, n: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    samples.push(performance.now() - t);
  }
  return samples;
}

async function msSamplesAsync(fn: (i: number) => Promise<unknown>, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return samples;
}

/** The baseline: every concept's folded words kept beside it; a filter scans them all. */
class LinearScan {
  private readonly rows: { concept: ConceptDefinition; words: string[] }[];
  constructor(concepts: readonly ConceptDefinition[]) {
    this.rows = concepts.map((concept) => ({ concept, words: [concept.code, concept.display].flatMap(foldedTokens) }));
  }
  expand(filter: string, count: number): { total: number; contains: ConceptDefinition[] } {
    const terms = foldedTokens(filter);
    const contains: ConceptDefinition[] = [];
    let total = 0;
    for (const row of this.rows) {
      if (!terms.every((term) => row.words.some((word) => word.startsWith(term)))) continue;
      if (contains.length < count) contains.push(row.concept);
      total++;
    }
    return { total, contains };
  }
}

const concepts = syntheticIcd10();
const definition: CodeSystemDefinition = {
  id: 'icd',
  url: URL_ICD,
  version: 'bench',
  name: 'ICD',
  valueSet: VS,
  concepts,
};
const t0 = performance.now();
const terminology = new InMemoryTerminology([definition], [], { today: () => '2026-01-01' });
const indexMs = performance.now() - t0;
const scan = new LinearScan(concepts);

// Same answers, or the comparison means nothing.
for (const filter of FILTERS) {
  const a = terminology.expand({ valueSet: VS, filter, count: 20 });
  const b = scan.expand(filter, 20);
  if (a.total !== b.total || a.contains[0]?.code !== b.contains[0]?.code) {
    throw new Error(`'${filter}': the service found ${a.total}, the scan ${b.total}`);
  }
}

const n = ROUNDS * FILTERS.length;
const service = msSamples(
  (i) => terminology.expand({ valueSet: VS, filter: FILTERS[i % FILTERS.length] as string, count: 20 }),
  n,
);
const baseline = msSamples((i) => scan.expand(FILTERS[i % FILTERS.length] as string, 20), n);
const codes = concepts.map((c) => c.code);
const map = new Map(concepts.map((c) => [c.code, c]));
let k = 0;
const validateNs = nsPerCall(
  () => terminology.validateValueSetCode({ valueSet: VS, code: codes[k++ % codes.length] as string }),
  10_000,
  21,
);
const mapNs = nsPerCall(() => map.get(codes[k++ % codes.length] as string), 10_000, 21);

// Over HTTP: the plugin loading the same list from a CSV file, the server answering through inject().
const dir = mkdtempSync(join(tmpdir(), 'mekong-bench-terminology-'));
const file = join(dir, 'icd10.csv');
writeFileSync(file, `code,display\n${concepts.map((c) => `${c.code},"${c.display}"`).join('\n')}\n`);
const host = createHost({
  config: {
    kernel: { logLevel: 'warn' },
    plugins: {
      server: { port: 0 },
      terminology: {
        bundled: [],
        expansion: { defaultCount: 20, maxCount: 1000 },
        codeSystems: [
          {
            format: 'csv',
            file,
            id: 'icd',
            url: URL_ICD,
            version: 'bench',
            name: 'ICD',
            valueSet: VS,
            columns: { code: 'code', display: 'display' },
          },
        ],
      },
    },
  },
}).add(storePlugin, serverPlugin, terminologyPlugin);
const report = await host.start();
const terminologyInitMs = report.plugins.find((p) => p.id === 'terminology')?.initMs ?? Number.NaN;
const { app, apiKeys } = host.get(serverServiceRef);
const { key } = await apiKeys.create({ name: 'bench', roles: ['clinician'] });
const headers = { authorization: `Bearer ${key}` };
const httpRounds = Math.max(20, Math.floor(ROUNDS / 4));
const expandUrl = (i: number) =>
  `/fhir/R4/ValueSet/icd/$expand?filter=${encodeURIComponent(FILTERS[i % FILTERS.length] as string)}`;
const first = await app.inject({ method: 'GET', url: expandUrl(0), headers });
if (first.statusCode !== 200) throw new Error(`$expand answered ${first.statusCode}: ${first.body}`);
const httpExpand = await msSamplesAsync(
  (i) => app.inject({ method: 'GET', url: expandUrl(i), headers }),
  httpRounds * FILTERS.length,
);
const httpValidate = await msSamplesAsync(
  (i) =>
    app.inject({
      method: 'GET',
      url: `/fhir/R4/ValueSet/icd/$validate-code?code=${codes[(i * 7919) % codes.length]}`,
      headers,
    }),
  httpRounds * FILTERS.length,
);
await host.stop();
rmSync(dir, { recursive: true, force: true });

const f = (x: number) => x.toFixed(3);
console.log(
  `terminology bench: ${concepts.length} synthetic ICD-10 codes, ${FILTERS.length} filters x ${ROUNDS} rounds; index built in ${indexMs.toFixed(1)} ms; plugin init (CSV load + index) ${terminologyInitMs.toFixed(1)} ms\n`,
);
console.log('| $expand?filter= (count 20)          | p50 (ms) | p95 (ms) | ratio p50 to baseline |');
console.log('| ----------------------------------- | -------- | -------- | --------------------- |');
console.log(`| linear scan (baseline)              | ${f(median(baseline))} | ${f(percentile(baseline, 95))} | 1.00 |`);
console.log(
  `| terminology service, in process     | ${f(median(service))} | ${f(percentile(service, 95))} | ${(median(service) / median(baseline)).toFixed(2)} |`,
);
console.log(
  `| HTTP GET ValueSet/icd/$expand       | ${f(median(httpExpand))} | ${f(percentile(httpExpand, 95))} | ${(median(httpExpand) / median(baseline)).toFixed(2)} |`,
);
console.log('\n| $validate-code                      | per call                | ratio to Map.get |');
console.log('| ----------------------------------- | ----------------------- | ---------------- |');
console.log(`| Map.get (baseline)                  | ${mapNs.toFixed(0)} ns | 1.00 |`);
console.log(
  `| terminology service, in process     | ${validateNs.toFixed(0)} ns | ${(validateNs / mapNs).toFixed(1)} |`,
);
console.log(
  `| HTTP GET ValueSet/icd/$validate-code | p50 ${f(median(httpValidate))} ms, p95 ${f(percentile(httpValidate, 95))} ms | |`,
);
