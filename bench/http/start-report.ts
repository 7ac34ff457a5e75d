import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../kernel/stats.js';
import { createSchema } from './pg-schema.js';
import { type StartMode, type StartTiming, startToReady } from './start-to-ready.js';

// Start to ready: spawn -> /readyz 200, on PostgreSQL and on PGlite, from the sources and the built packages.
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const MEKONG = here('./mekong-server.ts');
const RUNS = Number(process.env.BENCH_START_RUNS ?? 3);

async function times(runs: number, start: () => Promise<StartTiming>): Promise<StartTiming> {
  const samples: StartTiming[] = [];
  for (let r = 0; r < runs; r++) samples.push(await start());
  return {
    readyMs: median(samples.map((s) => s.readyMs)),
    importedMs: median(samples.map((s) => s.importedMs)),
    hostStartMs: median(samples.map((s) => s.hostStartMs)),
  };
}

async function inTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function startTimes(mode: StartMode, postgresUrl: string): Promise<[string, StartTiming, number | undefined][]> {
  const start = (env: Record<string, string>) => startToReady(MEKONG, env, mode);
  const onFreshSchema = async <T>(work: (url: string) => Promise<T>): Promise<T> => {
    const schema = await createSchema(postgresUrl);
    try {
      return await work(schema.url);
    } finally {
      await schema.drop();
    }
  };
  const onFreshDataDir = <T>(work: (dir: string) => Promise<T>) => inTempDir('mekong-bench-pglite-', work);
  // The PGlite template cache (see @mekong/store's openPglite): XDG_CACHE_HOME moves it. An empty one is what
  // the first start on a machine (or after a PGlite upgrade) finds; the template then comes from the archive
  // the store package ships, or, with BENCH_SHIPPED_TEMPLATE=false, from initdb (as before there was one).
  const withEmptyTemplateCache = (shipped: boolean) => (dir: string) =>
    inTempDir('mekong-bench-cache-', (cache) =>
      start({ DATA_DIR: dir, XDG_CACHE_HOME: cache, ...(shipped ? {} : { BENCH_SHIPPED_TEMPLATE: 'false' }) }),
    );
  // One discarded start of each kind: tsx's transform cache, the OS file cache, the user's template cache.
  await onFreshSchema((url) => start({ DATABASE_URL: url }));
  await onFreshDataDir((dir) => start({ DATA_DIR: dir }));
  const pgliteRuns = Math.max(1, RUNS - 1);
  return [
    [
      'PostgreSQL, empty schema (all migrations run)',
      await times(RUNS, () => onFreshSchema((url) => start({ DATABASE_URL: url }))),
      2000,
    ],
    [
      'PostgreSQL, migrations already applied',
      await onFreshSchema(async (url) => {
        await start({ DATABASE_URL: url });
        return times(RUNS, () => start({ DATABASE_URL: url }));
      }),
      2000,
    ],
    [
      'PGlite, first start in a fresh data dir (from the shipped archive)',
      await times(RUNS, () => onFreshDataDir((dir) => start({ DATA_DIR: dir }))),
      5000,
    ],
    [
      'PGlite, first start on this machine (nothing cached: the same)',
      await times(pgliteRuns, () => onFreshDataDir(withEmptyTemplateCache(true))),
      5000,
    ],
    [
      'PGlite, first start on this machine without the shipped archive (initdb)',
      await times(pgliteRuns, () => onFreshDataDir(withEmptyTemplateCache(false))),
      undefined,
    ],
    [
      'PGlite, restart on an existing data dir',
      await onFreshDataDir(async (dir) => {
        await start({ DATA_DIR: dir });
        return times(pgliteRuns, () => start({ DATA_DIR: dir }));
      }),
      undefined,
    ],
  ];
}

const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(0));

/** Prints the start-to-ready tables, from the sources and (after `pnpm build`) from the built packages. */
export async function reportStartToReady(postgresUrl: string): Promise<void> {
  const built = existsSync(here('../../packages/server/dist/index.js'));
  for (const mode of ['source', 'built'] as const) {
    const how =
      mode === 'source'
        ? 'TypeScript sources through tsx (`node --conditions=mekong-source --import tsx`)'
        : 'the built packages (`dist/`, plain `node`), as an installed deployment runs';
    if (mode === 'built' && !built) {
      console.log(`\n(start to ready on ${how}: skipped, run \`pnpm build\` first)`);
      continue;
    }
    const starts = await startTimes(mode, postgresUrl);
    console.log(`\n## Start to ready on ${how}: spawn until /readyz answers 200, median\n`);
    console.log('| database | start to ready (ms) | of which Node + imports (ms) | host.start() (ms) | target |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, t, target] of starts) {
      const verdict =
        target === undefined ? '-' : `< ${target / 1000} s: ${t.readyMs < target ? 'met' : '**NOT met**'}`;
      console.log(`| ${label} | ${ms(t.readyMs)} | ${ms(t.importedMs)} | ${ms(t.hostStartMs)} | ${verdict} |`);
    }
    console.log(`\nload average after these starts: ${loadavg()[0]?.toFixed(1)}`);
  }
}
