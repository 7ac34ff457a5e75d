import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHost } from '@mekong/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openPglite,
  ResourceStore,
  runMigrations,
  type SqlClient,
  type StoreAccess,
  storeMigrations,
  storePlugin,
  TableMaintenance,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';
import { gateway } from './gateway-plugin.js';

const observation = (i: number) => ({
  resourceType: 'Observation' as const,
  status: 'final' as const,
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
});

/** What the planner knows of a table: rows at the last ANALYZE (-1: never) and pages marked all-visible. */
async function statisticsOf(db: SqlClient, table: string) {
  const { rows } = await db.query<{ tuples: number; visible: number }>(
    `select reltuples::float8 as tuples, relallvisible as visible from pg_class
     where oid = to_regclass(format('%I.%I', current_schema(), $1::text))`,
    [table],
  );
  return rows[0] as { tuples: number; visible: number };
}

describe.each(backends)('table maintenance on %s', (backend) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => dispose?.());

  it('vacuums and analyzes the tables past autovacuum thresholds, and only those', async () => {
    const isolated = await isolatedDatabase(backend);
    const { db } = isolated;
    dispose = isolated.dispose;
    await runMigrations(db, [storeMigrations]);
    await db.transaction(async (tx) => {
      const store = new ResourceStore(tx);
      for (let i = 0; i < 300; i++) await store.create(observation(i));
    });
    expect((await statisticsOf(db, 'mekong_search_date')).tuples).toBeLessThan(1);

    const maintenance = new TableMaintenance(db);
    const first = await maintenance.check();
    expect(first.vacuumed).toEqual(expect.arrayContaining(['mekong_resource', 'mekong_search_date']));
    // Tables the load did not touch are left alone.
    expect([...first.vacuumed, ...first.analyzed]).not.toContain('mekong_search_string');
    const date = await statisticsOf(db, 'mekong_search_date');
    expect(date.tuples).toBe(300);
    expect(date.visible).toBeGreaterThan(0);
    // Nothing was written since: nothing to vacuum. (Counts of the load that a connection reports late may still
    // call for an ANALYZE.)
    expect((await maintenance.check()).vacuumed).toEqual([]);
  });
});

describe('the store plugin on PGlite', () => {
  it('analyzes at open the tables another process filled (mekong seed) and never analyzed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mekong-maintenance-'));
    try {
      const loader = await openPglite({ dataDir });
      await runMigrations(loader, [storeMigrations]);
      const store = new ResourceStore(loader);
      for (let i = 0; i < 100; i++) await store.create(observation(i));
      await loader.close();

      const seen: { access?: StoreAccess } = {};
      const test = await startTestHost({
        plugins: [storePlugin, gateway('server', seen)],
        config: { plugins: { store: { dataDir } } },
      });
      try {
        expect((await statisticsOf((seen.access as StoreAccess).sql, 'mekong_search_date')).tuples).toBe(100);
      } finally {
        await test.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps planner statistics current after bulk writes, off their path', async () => {
    const seen: { access?: StoreAccess } = {};
    const test = await startTestHost({ plugins: [storePlugin, gateway('server', seen)] });
    try {
      const access = seen.access as StoreAccess;
      const store = access.scoped(
        { rules: [{ type: 'Observation', interactions: ['create'] }] },
        { agent: { kind: 'user', id: 'loader' } },
      );
      for (let i = 0; i < 600; i++) await store.create(observation(i));
      // The check runs a second after the 500th write: wait for it, boundedly.
      let date = await statisticsOf(access.sql, 'mekong_search_date');
      for (let tries = 0; tries < 100 && date.tuples < 500; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        date = await statisticsOf(access.sql, 'mekong_search_date');
      }
      expect(date.tuples).toBeGreaterThanOrEqual(500);
      expect(date.visible).toBeGreaterThan(0);
    } finally {
      await test.stop();
    }
  }, 60_000);
});
