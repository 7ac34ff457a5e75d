import { coreServices, createHost } from '@mekong/kernel';
import { median, nsPerCall } from './stats.js';
import { counterPlugin, counterRef, type GraphShape, syntheticPlugins } from './synthetic-plugins.js';

// Boot (pre-flight + init + start hooks) and stop of synthetic hosts, and service resolution on a hot path,
// each against a baseline measured in this same run.
const quiet = { kernel: { logLevel: 'silent' as const } };

async function bootAndStop(count: number, shape: GraphShape, rounds: number) {
  const boot: number[] = [];
  const stop: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const plugins = syntheticPlugins(count, shape);
    const t0 = performance.now();
    const host = createHost({ config: quiet }).add(...plugins);
    await host.start();
    const t1 = performance.now();
    await host.stop();
    boot.push(t1 - t0);
    stop.push(performance.now() - t1);
  }
  return { boot: median(boot), stop: median(stop) };
}

// Warm up the JIT so the first measured shape is not penalised.
await bootAndStop(50, 'chain', 10);

const rows: string[] = [];
const results = new Map<string, { boot: number; stop: number }>();
for (const shape of ['chain', 'fan-out'] as const) {
  for (const [count, rounds] of [
    [50, 40],
    [500, 10],
  ] as const) {
    const result = await bootAndStop(count, shape, rounds);
    results.set(`${shape}/${count}`, result);
    rows.push(
      `| ${shape} | ${count} | ${result.boot.toFixed(2)} | ${((result.boot / count) * 1000).toFixed(1)} | ${result.stop.toFixed(2)} |`,
    );
  }
}

console.log('## Boot and stop (median ms)\n');
console.log('| graph | plugins | pre-flight + init + start (ms) | per plugin (µs) | stop (ms) |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log('');
for (const shape of ['chain', 'fan-out'] as const) {
  const small = results.get(`${shape}/50`)?.boot ?? Number.NaN;
  const large = results.get(`${shape}/500`)?.boot ?? Number.NaN;
  const growth = large / 50 / (small / 5);
  console.log(
    `${shape}: 50 plugins ${small.toFixed(2)} ms (target < 50 ms: ${small < 50 ? 'met' : 'NOT met'}); ` +
      `per-plugin cost at 500 / at 50 = ${growth.toFixed(2)} (linear = 1.00; target <= 1.5: ${growth <= 1.5 ? 'met' : 'NOT met'})`,
  );
}

const host = createHost({ config: quiet }).add(counterPlugin);
await host.start();
const map = new Map<object, unknown>([
  [coreServices.clock, host.get(coreServices.clock)],
  [counterRef, host.get(counterRef)],
]);
const calls = 2_000_000;
const baseline = nsPerCall(() => map.get(coreServices.clock), calls, 7);
const rootService = nsPerCall(() => host.get(coreServices.clock), calls, 7);
const pluginService = nsPerCall(() => host.get(counterRef), calls, 7);
await host.stop();

console.log('\n## Service resolution on a hot path (median ns per call)\n');
console.log('| lookup | ns/call | ratio to Map.get |');
console.log('| --- | --- | --- |');
console.log(`| Map.get (baseline) | ${baseline.toFixed(1)} | 1.00 |`);
console.log(`| host.get(root service) | ${rootService.toFixed(1)} | ${(rootService / baseline).toFixed(2)} |`);
console.log(
  `| host.get(plugin-provided service) | ${pluginService.toFixed(1)} | ${(pluginService / baseline).toFixed(2)} |`,
);
console.log(
  `\ntarget: within 3x of Map.get: ${Math.max(rootService, pluginService) / baseline <= 3 ? 'met' : 'NOT met'}`,
);
