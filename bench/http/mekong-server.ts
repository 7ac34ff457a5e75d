import { createHost } from '@mekong/kernel';
import { serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';

// A Mekong deployment of the store and the server, as a child process: PostgreSQL when DATABASE_URL is set,
// else PGlite in DATA_DIR. Listens on PORT (default: any free port). With BENCH_API_KEY=1 it creates an
// administrator API key and announces it. Self-contained and free of TypeScript-only syntax, so that plain
// `node` (which strips types) runs it on the built packages too.
const importedMs = performance.now();
const databaseUrl = process.env.DATABASE_URL;
const dataDir = process.env.DATA_DIR;
if (!databaseUrl && !dataDir) throw new Error('mekong-server: set DATABASE_URL (PostgreSQL) or DATA_DIR (PGlite)');

const host = createHost({
  config: {
    // Request logging off, as the baseline has none.
    kernel: { logLevel: 'warn' },
    plugins: {
      store: databaseUrl
        ? { databaseUrl, ...(process.env.BENCH_AUDIT_COMMIT ? { auditCommit: process.env.BENCH_AUDIT_COMMIT } : {}) }
        : { dataDir, ...(process.env.BENCH_SHIPPED_TEMPLATE === 'false' ? { shippedTemplate: false } : {}) },
      server: {
        host: '127.0.0.1',
        port: Number(process.env.PORT ?? 0),
        // The rate limiter and the cap on connections per address stay on, with ceilings the benchmark (100
        // connections from 127.0.0.1, beside the runner's own) does not reach.
        limits: { rateLimit: { max: 1_000_000, timeWindowMs: 60_000 }, connectionsPerAddress: 1_000 },
      },
    },
  },
}).add(storePlugin, serverPlugin);

const t = performance.now();
await host.start();
const hostStartMs = performance.now() - t;
const server = host.get(serverServiceRef);
const key =
  process.env.BENCH_API_KEY === '1'
    ? (await server.apiKeys.create({ name: 'bench-http', roles: ['admin'] })).key
    : undefined;
// The announcement line of child-protocol.ts (not imported: plain node does not map '.js' imports to '.ts').
process.stdout.write(
  `MEKONG_BENCH ${JSON.stringify({ url: server.url, importedMs, hostStartMs, ...(key ? { key } : {}) })}\n`,
);

process.once('SIGTERM', () => {
  void host.stop();
});
