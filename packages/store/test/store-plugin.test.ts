import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, HostBootError } from '@mekong/kernel';
import { createPostgresSchema, createTestHost, startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  connectPostgres,
  type ScopedStore,
  type StoreAccess,
  storeMigrationsExtensionPoint,
  storePlugin,
  storeServiceRef,
} from '../src/index.js';
import { gateway } from './gateway-plugin.js';

/** A pharmacy plugin: writes MedicationRequests, reads Patients, owns a stock table. */
function pharmacy(
  seen: { store?: ScopedStore },
  sql = 'create table pharmacy_stock (code text primary key, quantity int not null)',
) {
  return definePlugin({
    id: 'pharmacy',
    version: '0.1.0',
    kernel: '^0.1.0',
    dependencies: { store: '^0.1.0' },
    capabilities: { resources: { read: ['Patient', 'MedicationRequest'], write: ['MedicationRequest'] } },
    register(env) {
      env.contribute(storeMigrationsExtensionPoint, { value: [{ version: '0001', description: 'stock', sql }] });
      env.registerInit({
        deps: { store: storeServiceRef },
        init({ store }) {
          seen.store = store;
        },
      });
    },
  });
}

async function withSchema<T>(
  work: (url: string, query: (sql: string) => Promise<unknown[]>) => Promise<T>,
): Promise<T> {
  const schema = await createPostgresSchema('plugin');
  try {
    return await work(schema.url, (sql) => schema.query(sql.replaceAll('{schema}', schema.name)));
  } finally {
    await schema.drop();
  }
}

describe('the store as a plugin', () => {
  it("gives each plugin a handle limited to its manifest's resource types, after applying its migrations", async () => {
    await withSchema(async (databaseUrl, query) => {
      const seen: { store?: ScopedStore } = {};
      const test = await startTestHost({
        plugins: [storePlugin, pharmacy(seen)],
        config: { plugins: { store: { databaseUrl } } },
      });
      expect(test.report.plugins.map((p) => [p.id, p.status])).toEqual([
        ['store', 'started'],
        ['pharmacy', 'started'],
      ]);
      const order = await seen.store?.create({
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
      });
      expect(order?.meta.versionId).toBe('1');
      await expect(seen.store?.create({ resourceType: 'Patient' })).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(seen.store?.create({ resourceType: 'Patient' })).rejects.toThrow(
        "plugin 'pharmacy' may not create Patient: it is not among the resource types it may write",
      );
      expect(await query(`select to_regclass('{schema}.pharmacy_stock') is not null as ok`)).toEqual([{ ok: true }]);
      expect(await query(`select owner, version from {schema}.mekong_migration where owner = 'pharmacy'`)).toEqual([
        { owner: 'pharmacy', version: '0001' },
      ]);
      expect(await query(`select agent, action, outcome from {schema}.mekong_audit order by seq`)).toEqual([
        { agent: 'plugin:pharmacy', action: 'create', outcome: 'success' },
        { agent: 'plugin:pharmacy', action: 'create', outcome: 'refused' },
        { agent: 'plugin:pharmacy', action: 'create', outcome: 'refused' },
      ]);
      await test.stop();
    });
  });

  it('a failing plugin migration fails that plugin at boot, naming the migration', async () => {
    await withSchema(async (databaseUrl) => {
      const host = createTestHost({
        plugins: [storePlugin, pharmacy({}, 'create tabel nope (x int)')],
        config: { plugins: { store: { databaseUrl } } },
      });
      const error = await host.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HostBootError);
      expect((error as HostBootError).pluginId).toBe('pharmacy');
      expect((error as Error).message).toMatch(/migration pharmacy@0001 \(stock\) failed: syntax error/);
    });
  });

  it.each([
    ["from the package's archive (default)", true],
    ['from the template made in templateCacheDir (shippedTemplate: false)', false],
  ])(
    'keeps data across restarts in an embedded data directory, made %s',
    async (_, shippedTemplate) => {
      const root = mkdtempSync(join(tmpdir(), 'mekong-store-'));
      const [dataDir, templateCacheDir] = [join(root, 'data'), join(root, 'templates')];
      try {
        const first: { store?: ScopedStore } = {};
        const config = { plugins: { store: { dataDir, templateCacheDir, shippedTemplate } } };
        const one = await startTestHost({ plugins: [storePlugin, pharmacy(first)], config });
        const order = await first.store?.create({
          resourceType: 'MedicationRequest',
          status: 'draft',
          intent: 'plan',
          subject: { reference: 'Patient/p2' },
          medicationCodeableConcept: { text: 'Metformin 850 mg' },
        });
        await one.stop();
        const second: { store?: ScopedStore } = {};
        const two = await startTestHost({ plugins: [storePlugin, pharmacy(second)], config });
        expect(await second.store?.read('MedicationRequest', order?.id as string)).toMatchObject({ status: 'draft' });
        await two.stop();
        expect(existsSync(templateCacheDir) && readdirSync(templateCacheDir)).toEqual(
          shippedTemplate ? false : [expect.stringMatching(/^pglite-\d+\.\d+\.\d+/)],
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('gives the gateway service to the plugins in plugins.store.gateways only, naming the config to change', async () => {
    await withSchema(async (databaseUrl, query) => {
      const seen: { access?: StoreAccess } = {};
      const test = await startTestHost({
        plugins: [storePlugin, gateway('server', seen)],
        config: { plugins: { store: { databaseUrl } } },
      });
      const access = seen.access as StoreAccess;
      expect(access.backend).toBe('postgres');
      await access.ping();
      const scoped = access.scoped(
        { rules: [{ type: 'Patient', interactions: ['create', 'read'] }] },
        { agent: { kind: 'user', id: 'u1' }, client: 'web' },
      );
      const patient = await scoped.create({ resourceType: 'Patient' });
      await expect(scoped.delete('Patient', patient.id)).rejects.toThrow(
        "user 'u1' (client 'web') may not delete Patient",
      );
      expect(await query(`select agent, action, outcome from {schema}.mekong_audit order by seq`)).toEqual([
        { agent: 'user:u1', action: 'create', outcome: 'success' },
        { agent: 'user:u1', action: 'delete', outcome: 'refused' },
      ]);
      expect((await access.sql.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
      await test.stop();

      const error = await createTestHost({
        plugins: [storePlugin, gateway('reports', {})],
        config: { plugins: { store: { databaseUrl } } },
      })
        .start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HostBootError);
      expect((error as HostBootError).pluginId).toBe('reports');
      expect((error as Error).message).toMatch(
        /plugin 'reports' may not use the store gateway service \(store.access\): it is not among plugins.store.gateways \(server\)/,
      );

      const named: { access?: StoreAccess } = {};
      const allowed = await startTestHost({
        plugins: [storePlugin, gateway('reports', named)],
        config: { plugins: { store: { databaseUrl, gateways: ['reports'] } } },
      });
      expect(named.access?.backend).toBe('postgres');
      await allowed.stop();
    });
  });
  it('commits the records of reads asynchronously only when plugins.store.auditCommit says so, and refuses other values', async () => {
    await withSchema(async (databaseUrl, query) => {
      for (const auditCommit of ['synchronous', 'asynchronous'] as const) {
        const seen: { access?: StoreAccess } = {};
        const test = await startTestHost({
          plugins: [storePlugin, gateway('server', seen)],
          config: { plugins: { store: { databaseUrl, auditCommit } } },
        });
        const scoped = (seen.access as StoreAccess).scoped(
          { rules: [{ type: 'Patient', interactions: ['create', 'read'] }] },
          { agent: { kind: 'user', id: `u-${auditCommit}` } },
        );
        const patient = await scoped.create({ resourceType: 'Patient' });
        await Promise.all(Array.from({ length: 5 }, () => scoped.read('Patient', patient.id)));
        // Committed before the reads returned, whichever way: another connection sees every record.
        expect(
          await query(`select action, count(*)::int as n from {schema}.mekong_audit
            where agent = 'user:u-${auditCommit}' group by action order by action`),
        ).toEqual([
          { action: 'create', n: 1 },
          { action: 'read', n: 5 },
        ]);
        await test.stop();
      }
      const refused = await createTestHost({
        plugins: [storePlugin],
        config: { plugins: { store: { databaseUrl, auditCommit: 'later' } } },
      }).check();
      expect(JSON.stringify(refused)).toMatch(/auditCommit/);
    });
  });

  it('opens PostgreSQL sessions that commit asynchronously when asked, keeping the settings the URL names', async () => {
    await withSchema(async (databaseUrl) => {
      const plain = connectPostgres({ connectionString: databaseUrl, max: 1 });
      const async = connectPostgres({ connectionString: databaseUrl, max: 1, synchronousCommit: false });
      try {
        const setting = async (db: typeof plain) =>
          (
            await db.query<{ commit: string; path: string }>(
              "select current_setting('synchronous_commit') as commit, current_setting('search_path') as path",
            )
          ).rows[0];
        expect(await setting(plain)).toEqual({ commit: 'on', path: expect.stringMatching(/^plugin_/) });
        expect(await setting(async)).toEqual({ commit: 'off', path: expect.stringMatching(/^plugin_/) });
      } finally {
        await plain.close();
        await async.close();
      }
    });
  });
});
