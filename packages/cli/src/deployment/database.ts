import type { Host } from '@mekong/kernel';
import {
  connectPostgres,
  type MigrationSet,
  openPglite,
  type SqlClient,
  storeMigrations,
  storeMigrationsExtensionPoint,
} from '@mekong/store';
import { CliError } from '../output/cli-error.js';
import type { Deployment } from './deployment.js';

/** The store section of a deployment's configuration. */
interface StoreSection {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
}

/** Where the deployment keeps its data, as a person reads it (never with a password). */
export function describeDatabase(deployment: Deployment): string {
  const store = storeSection(deployment);
  if (store.databaseUrl) {
    const url = new URL(store.databaseUrl);
    return `PostgreSQL at ${url.host}${url.pathname}`;
  }
  return store.dataDir ? `PGlite in ${store.dataDir}` : 'PGlite in memory';
}

/** Opens the deployment's database (`plugins.store.databaseUrl` or `plugins.store.dataDir`). */
export async function openDatabase(deployment: Deployment): Promise<SqlClient> {
  const store = storeSection(deployment);
  if (store.databaseUrl) {
    const db = connectPostgres({ connectionString: store.databaseUrl });
    try {
      await db.query('select 1');
    } catch (error) {
      await db.close();
      throw new CliError(
        `the database at ${describeDatabase(deployment)} cannot be reached: ${(error as Error).message}`,
        'check that PostgreSQL is running and plugins.store.databaseUrl (DATABASE_URL) is right',
      );
    }
    return db;
  }
  if (!store.dataDir) {
    throw new CliError(
      'the deployment keeps its data in memory: there is no database to work on',
      'set plugins.store.dataDir (PGlite on disk) or plugins.store.databaseUrl (PostgreSQL) in mekong.config.ts',
    );
  }
  return openPglite({ dataDir: store.dataDir });
}

/** The store's own migrations and every plugin's, in dependency order: what a start would apply. */
export function migrationSets(host: Host): MigrationSet[] {
  return [
    storeMigrations,
    ...host
      .staticContributions(storeMigrationsExtensionPoint)
      .map(({ pluginId, value }) => ({ owner: pluginId, migrations: value })),
  ];
}

function storeSection(deployment: Deployment): StoreSection {
  return (deployment.config?.plugins?.store ?? {}) as StoreSection;
}
