import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { copyTemplate, defaultTemplateCacheDir, ensureTemplate } from './pglite-template.js';
import type { QueryResult, SqlClient } from './sql-client.js';

/** Options of {@link openPglite}. */
export interface PgliteOptions {
  /** Persists the database to this directory; without one it lives in memory. */
  readonly dataDir?: string;
  /**
   * Where a pre-initialised data directory per PGlite version is kept, for new data directories to be copied
   * from instead of running initdb (seconds) each time; `false` turns that off. Default:
   * {@link defaultTemplateCacheDir} (`~/.cache/mekong/pglite`).
   */
  readonly templateCacheDir?: string | false;
  /** Told how the data directory was opened, and why the template could not be used if it could not. */
  readonly onOpen?: (report: PgliteOpenReport) => void;
}

/** How {@link openPglite} came by its data directory. */
export interface PgliteOpenReport {
  /**
   * `existing`: opened as found; `template`: a new data directory copied from the template; `initdb`: a new
   * data directory made by PGlite's initdb (no template cache, or it failed: see `warning`); `memory`: in memory.
   */
  readonly source: 'existing' | 'template' | 'initdb' | 'memory';
  /** The template was made by this open (once per PGlite version and cache directory). */
  readonly templateCreated?: boolean;
  /** Why the template was not used, or that a mismatching one was replaced. */
  readonly warning?: string;
}

/**
 * Opens an embedded PostgreSQL (PGlite). `dataDir` persists it to a directory; without one it lives in memory.
 * A new (missing or empty) data directory is copied from a template initialised once per PGlite version (see
 * {@link PgliteOptions.templateCacheDir}) rather than made by initdb. Opening costs a second or more: open one
 * instance per process and share it.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<SqlClient> {
  const { dataDir, onOpen } = options;
  if (!dataDir) {
    onOpen?.({ source: 'memory' });
    return pgliteClient(await PGlite.create());
  }
  const report = await prepareDataDir(dataDir, options.templateCacheDir ?? defaultTemplateCacheDir());
  const db = await PGlite.create(dataDir);
  onOpen?.(report);
  return pgliteClient(db);
}

/** Fills a new data directory from the template; on any failure leaves it to PGlite's initdb, and says why. */
async function prepareDataDir(dataDir: string, cacheDir: string | false): Promise<PgliteOpenReport> {
  if (await hasDatabase(dataDir)) return { source: 'existing' };
  // Only plain paths: PGlite's URL schemes (memory://, idb://) are not directories to copy into.
  if (cacheDir === false || /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir)) return { source: 'initdb' };
  try {
    const template = await ensureTemplate(cacheDir);
    const copied = await copyTemplate(template, dataDir);
    const warning = !copied
      ? `${dataDir} is not empty but holds no database (no PG_VERSION): PGlite's initdb makes one there`
      : template.replaced
        ? `replaced the PGlite template in ${cacheDir}: it did not match PGlite ${template.pglite} (${template.replaced})`
        : undefined;
    return {
      source: copied ? 'template' : 'initdb',
      templateCreated: template.created,
      ...(warning ? { warning } : {}),
    };
  } catch (error) {
    return {
      source: 'initdb',
      warning:
        `could not use a PGlite template from ${cacheDir} (${(error as Error).message}): new data directories ` +
        'are made by initdb, which takes seconds; set plugins.store.templateCacheDir to a writable directory, ' +
        'or to false to stop trying',
    };
  }
}

async function hasDatabase(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

type Queryable = Pick<Transaction, 'query' | 'exec'>;

function pgliteClient(db: PGlite, target: Queryable = db): SqlClient {
  return {
    backend: 'pglite',
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
    transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      if (target !== db) return work(this); // already inside one: PGlite has no nested transactions
      return db.transaction((tx) => work(pgliteClient(db, tx)));
    },
    async close() {
      if (target === db) await db.close();
    },
  };
}
