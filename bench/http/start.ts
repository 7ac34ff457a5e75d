import { cpus, loadavg } from 'node:os';
import { reportStartToReady } from './start-report.js';

// Only the start-to-ready part of run.ts, without the load tests: `pnpm exec tsx --conditions=mekong-source
// http/start.ts` from bench/ (BENCH_START_RUNS sets the runs per figure, default 3).
console.log(
  `# Start to ready: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}`,
);
await reportStartToReady(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
