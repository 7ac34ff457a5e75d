import {
  coreServices,
  createExtensionPoint,
  createServiceFactory,
  createServiceRef,
  definePlugin,
  MekongError,
} from '@mekong/kernel';
import { z } from 'zod';
import { policyFromGrant } from '../access/access-policy.js';
import { ScopedStore } from '../access/scoped-store.js';
import { type StoreAccess, storeAccessServiceRef } from '../access/store-access.js';
import { AuditLog } from '../audit/audit-log.js';
import { gatewayEntry } from '../audit/gateway-entry.js';
import type { Migration } from '../migrations/migration.js';
import { runMigrations } from '../migrations/run-migrations.js';
import { storeMigrations } from '../migrations/store-migrations.js';
import { ResourceStore } from '../resources/resource-store.js';
import { DEFAULT_MAX_SORTED_MATCHES } from '../search/search.js';
import { openPglite, type PgliteOpenReport } from '../sql/pglite-client.js';
import { connectPostgres } from '../sql/postgres-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import { TableMaintenance } from '../sql/table-maintenance.js';

/** Plugins contribute their migrations here; each is applied, in version order, before the plugin's init. */
export const storeMigrationsExtensionPoint = createExtensionPoint<readonly Migration[]>({
  id: 'store.migrations',
  cardinality: 'multiple',
});

/**
 * The store as a plugin sees it: only the resource types its manifest declares in
 * `capabilities.resources`, every access audited under its id.
 */
export const storeServiceRef = createServiceRef<ScopedStore>({ id: 'store.handle', scope: 'plugin' });

/**
 * The resource store plugin. Configuration (`plugins.store`): `databaseUrl` for PostgreSQL, else `dataDir`
 * for embedded PGlite on disk, else PGlite in memory (nothing persists: for tests and demos); `templateCacheDir`,
 * where PGlite's pre-initialised data directory is kept for new data directories to be copied from (default
 * `~/.cache/mekong/pglite`; `false`: initdb every time); `shippedTemplate`, whether new databases start from
 * initdb's output shipped with the package instead (default true); `gateways`, the plugins that may act for
 * users through {@link storeAccessServiceRef} (default `['server']`); `auditCommit`,
 * how the audit records of interactions that write nothing (reads, searches, refusals) are committed on
 * PostgreSQL: 'synchronous' (default) flushes them to disk before the data is handed over, 'asynchronous'
 * commits them first and flushes within a fraction of a second (a crash of the database server may lose the
 * records of that last fraction of a second). A write's record always commits with the write. On PostgreSQL,
 * `poolSize` is the most connections open at once (default 10) and `connectTimeoutMs` how long a statement waits
 * for a connection before it fails with 503 (default 10,000). `maxSortedMatches` is the most matches a search
 * sorted by a search parameter may sort (default 20,000, about half a second on PGlite, which answers nothing
 * else meanwhile): a search with more is refused with a 400 (`too-costly`) that asks to narrow it or sort by
 * `_lastUpdated` or `_id`.
 */
export const storePlugin = definePlugin({
  id: 'store',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'FHIR resources in PostgreSQL or embedded PGlite, versioned, searchable and audited',
  config: z
    .object({
      databaseUrl: z
        .string()
        .startsWith('postgres', 'must be a postgres:// or postgresql:// URL')
        .optional()
        .describe(
          'PostgreSQL to keep the data in (postgres://user@host:5432/db), for a hospital and for several server processes',
        ),
      dataDir: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Without databaseUrl: a folder for embedded PGlite (one process owns it); with neither, PGlite in memory',
        ),
      templateCacheDir: z
        .union([z.string().min(1), z.literal(false)])
        .optional()
        .describe(
          "Where new PGlite databases copy initdb's output from when the package ships none for its PGlite: ~/.cache/mekong/pglite by default; false runs initdb each time",
        ),
      shippedTemplate: z
        .boolean()
        .optional()
        .describe("New PGlite databases start from initdb's output shipped with the package (true by default)"),
      gateways: z
        .array(z.string().min(1))
        .default(['server'])
        .describe(
          'The plugins that may act for users (their policies, their audit records) through storeAccessServiceRef',
        ),
      auditCommit: z
        .enum(['synchronous', 'asynchronous'])
        .default('synchronous')
        .describe(
          "On PostgreSQL, how the records of reads, searches and refusals commit: 'synchronous' waits for the disk; 'asynchronous' does not (a database crash may lose the last fraction of a second of them)",
        ),
      poolSize: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(10)
        .describe('On PostgreSQL, the most connections this process opens'),
      connectTimeoutMs: z
        .number()
        .int()
        .min(100)
        .max(600_000)
        .default(10_000)
        .describe('On PostgreSQL, how long a statement waits for a connection before its request gets 503'),
      maxSortedMatches: z
        .number()
        .int()
        .positive()
        .default(DEFAULT_MAX_SORTED_MATCHES)
        .describe(
          "The most matches a search sorted by a search parameter may sort; more get a 400 'too-costly' (sort by _lastUpdated or _id, or narrow the search)",
        ),
    })
    .strict(),
  register(env) {
    env.registerExtensionPoint(storeMigrationsExtensionPoint);
    let db: SqlClient | undefined;
    let store: ResourceStore | undefined;
    let audit: AuditLog | undefined;
    const migrationsOf = new Map<string, readonly Migration[]>();

    env.provideService(
      createServiceFactory({
        service: storeServiceRef,
        deps: { clock: coreServices.clock },
        async factory({ clock }, { pluginId, manifest }) {
          if (!db || !store || !audit || !pluginId || !manifest) {
            throw new MekongError({
              code: 'STORE_NOT_READY',
              ...(pluginId ? { pluginId } : {}),
              message: 'the store handle was asked for before the store plugin started',
              hint: "add 'store' to the plugin's dependencies",
            });
          }
          const migrations = migrationsOf.get(pluginId);
          if (migrations) await runMigrations(db, [{ owner: pluginId, migrations }]);
          return new ScopedStore(
            store,
            audit,
            policyFromGrant(manifest.capabilities.resources),
            { agent: { kind: 'plugin', id: pluginId }, plugin: pluginId },
            () => clock.now(),
          );
        },
      }),
    );

    let gateways: readonly string[] = [];
    env.provideService(
      createServiceFactory({
        service: storeAccessServiceRef,
        deps: { clock: coreServices.clock },
        factory({ clock }, { pluginId }): StoreAccess {
          // Least privilege: acting for any user under any policy is for the gateways the deployment names.
          if (!pluginId || !gateways.includes(pluginId)) {
            throw new MekongError({
              code: 'STORE_ACCESS_DENIED',
              ...(pluginId ? { pluginId } : {}),
              message: `plugin '${pluginId}' may not use the store gateway service (store.access): it is not among plugins.store.gateways (${gateways.join(', ') || 'none'})`,
              hint: `use storeServiceRef for the plugin's own access, or add '${pluginId}' to plugins.store.gateways if it is a gateway that authenticates users`,
            });
          }
          if (!db || !store || !audit) {
            throw new MekongError({
              code: 'STORE_NOT_READY',
              pluginId,
              message: 'the store gateway service was asked for before the store plugin started',
              hint: "add 'store' to the plugin's dependencies",
            });
          }
          const [database, resources, trail] = [db, store, audit];
          return {
            scoped: (policy, context) => new ScopedStore(resources, trail, policy, context, () => clock.now()),
            audit: async (entry, options) =>
              trail.record(gatewayEntry(entry, pluginId, clock.now()), options?.transaction),
            ping: async () => {
              await database.query('select 1');
            },
            sql: database,
            backend: database.backend,
          };
        },
      }),
    );

    env.registerInit({
      deps: {
        migrations: storeMigrationsExtensionPoint,
        lifecycle: coreServices.lifecycle,
        log: coreServices.logger,
        clock: coreServices.clock,
      },
      async init({ migrations, lifecycle, log, clock }, { config }) {
        let opened: PgliteOpenReport | undefined;
        const postgres = (connectionString: string) => ({
          connectionString,
          connectTimeoutMs: config.connectTimeoutMs,
          log: { warn: log.warn.bind(log), info: log.info.bind(log) },
        });
        db = config.databaseUrl
          ? connectPostgres({ ...postgres(config.databaseUrl), max: config.poolSize })
          : await openPglite({
              ...(config.dataDir ? { dataDir: config.dataDir } : {}),
              ...(config.templateCacheDir !== undefined ? { templateCacheDir: config.templateCacheDir } : {}),
              ...(config.shippedTemplate !== undefined ? { shippedTemplate: config.shippedTemplate } : {}),
              onOpen: (report) => {
                opened = report;
              },
            });
        if (opened?.warning) log.warn(opened.warning);
        const database = db;
        lifecycle.addShutdownHook(() => database.close(), { label: 'close database' });
        gateways = config.gateways;
        const report = await runMigrations(db, [storeMigrations]);
        for (const { pluginId, value } of migrations) migrationsOf.set(pluginId, value);
        // PGlite has no autovacuum: the process applies its thresholds, at open (a database loaded by another
        // process, such as `mekong seed`) and after bulk writes, off their path.
        const maintenance =
          db.backend === 'pglite'
            ? new TableMaintenance(db, {
                onCheck: (done, ms) => log.info({ ...done, ms: Math.round(ms) }, 'PGlite tables vacuumed and analyzed'),
                onError: (error) =>
                  log.warn({ err: error }, 'PGlite table maintenance failed: it is tried again after more writes'),
              })
            : undefined;
        if (maintenance) {
          lifecycle.addShutdownHook(() => maintenance.stop(), { label: 'stop PGlite table maintenance' });
          // A failed check is no reason not to start: searches only lose speed, and writes schedule another.
          await maintenance.check().catch((error: unknown) => {
            log.warn({ err: error }, 'PGlite table maintenance failed at open: it is tried again after more writes');
          });
        }
        store = new ResourceStore(db, {
          now: () => clock.now(),
          search: { maxSortedMatches: config.maxSortedMatches },
          ...(maintenance ? { onWrite: () => maintenance.wrote() } : {}),
        });
        // Asynchronous audit commits: the records of reads, searches and refusals are committed before the data
        // is handed over, without waiting for the disk.
        const groupDb =
          config.auditCommit === 'asynchronous' && config.databaseUrl
            ? connectPostgres({ ...postgres(config.databaseUrl), max: 2, synchronousCommit: false })
            : undefined;
        if (groupDb) lifecycle.addShutdownHook(() => groupDb.close(), { label: 'close audit connections' });
        audit = new AuditLog(db, { groupCommit: true, ...(groupDb ? { groupDb } : {}) });
        if (!config.databaseUrl && !config.dataDir)
          log.warn('the store is in memory: nothing will persist (set plugins.store.dataDir or databaseUrl)');
        log.info(
          { backend: db.backend, applied: report.applied, ...(opened ? { dataDir: opened.source } : {}) },
          'store ready',
        );
      },
    });
  },
});
