import { randomUUID } from 'node:crypto';
import { definePlugin } from '@mekong/kernel';
import { defineRoute, serverRoutesExtensionPoint } from '@mekong/server';
import { connectPostgres, type SqlClient, storeAccessServiceRef } from '@mekong/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FetchResponse,
  isolatedPostgresUrl,
  patient,
  type ServerHost,
  startServerHost,
} from '../support/server-host.js';

// A request that runs out of time stops its database work: its statement is cancelled and its connection goes
// back to the pool, so a few slow requests cannot hold every connection after their 503s.

const POOL = 3;
const marker = `slow-${randomUUID()}`;

/** A gateway plugin whose route runs a slow statement through the store's SqlClient. */
const slowPlugin = definePlugin({
  id: 'slow',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0', store: '^0.1.0' },
  capabilities: { routes: ['/slow'] },
  register(env) {
    let sql: SqlClient | undefined;
    env.contribute(serverRoutesExtensionPoint, {
      value: [
        defineRoute({
          method: 'GET',
          path: '/slow/sleep',
          summary: 'Ten seconds of database work',
          handler: async () => {
            await sql?.query(`select pg_sleep(10) /* ${marker} */`);
            return { slept: true };
          },
        }),
      ],
    });
    env.registerInit({
      deps: { access: storeAccessServiceRef },
      init({ access }) {
        sql = access.sql;
      },
    });
  },
});

let host: ServerHost;
let admin: SqlClient;
const stillRunning = async () =>
  (
    await admin.query<{ count: string }>(
      `select count(*) from pg_stat_activity where state = 'active' and query like $1 and pid <> pg_backend_pid()`,
      [`%/* ${marker} */%`],
    )
  ).rows[0]?.count;

beforeAll(async () => {
  const databaseUrl = await isolatedPostgresUrl();
  admin = connectPostgres({ connectionString: databaseUrl, max: 1 });
  host = await startServerHost({
    plugins: [slowPlugin],
    server: { limits: { requestTimeoutMs: 1000 } },
    plugin: { store: { databaseUrl, poolSize: POOL, gateways: ['server', 'slow'] } },
  });
}, 60_000);

afterAll(async () => {
  // Whatever a failed run left sleeping must not hold the host's shutdown.
  await admin?.query(
    'select pg_cancel_backend(pid) from pg_stat_activity where query like $1 and pid <> pg_backend_pid()',
    [`%/* ${marker} */%`],
  );
  await admin?.close();
});

describe('a request that runs out of time (PostgreSQL)', () => {
  it('has its statement cancelled: more slow requests than connections, then a normal request is served at once', async () => {
    const slow = await Promise.all(
      Array.from({ length: POOL + 2 }, () => host.fetch({ method: 'GET', url: '/slow/sleep' })),
    );
    expect(slow.map((r) => r.status)).toEqual(Array(POOL + 2).fill(503));
    const [first] = slow as [FetchResponse];
    expect(first.headers.get('retry-after')).toBe('5');
    expect((await first.json()).issue[0].diagnostics).toMatch(/not answered within 1000 ms/);

    const started = performance.now();
    const created = await host.fetch({ method: 'POST', url: '/fhir/R4/Patient', body: patient('Le') });
    expect(created.status).toBe(201);
    expect(performance.now() - started).toBeLessThan(1000);
    await expect.poll(stillRunning, { timeout: 2000, interval: 50 }).toBe('0');
  });
});
