import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import {
  copyTemplate,
  defaultTemplateCacheDir,
  ensureTemplate,
  loadPglite,
  shippedArchive,
  unpackArchive,
} from './pglite-template.js';
import type { QueryResult, SqlClient } from './sql-client.js';
import { tarDirectory } from './ustar.js';

/** Options of {@link openPglite}. */
export interface PgliteOptions {
  /** Persists the database to this directory; without one it lives in memory. */
  readonly dataDir?: string;
  /**
   * Where a pre-initialised data directory per PGlite version is kept, for new databases (on disk or in memory)
   * to start from instead of running initdb (seconds) each time; `false` turns that off. Default:
   * {@link defaultTemplateCacheDir} (`~/.cache/mekong/pglite`).
   */
  readonly templateCacheDir?: string | false;
  /**
   * Whether new databases start from initdb's output shipped with this package for the installed PGlite version
   * (`pglite-template/`, made at install), when it has one: unpacked into a new data directory, loaded by an
   * in-memory one. Default true; false uses the template cache alone (made by initdb), as when the package has
   * no archive for this PGlite.
   */
  readonly shippedTemplate?: boolean;
  /** Told how the data directory was opened, and why the template could not be used if it could not. */
  readonly onOpen?: (report: PgliteOpenReport) => void;
}

/** How {@link openPglite} came by its data directory. */
export interface PgliteOpenReport {
  /**
   * `existing`: opened as found; `template`: a new database copied from the template; `initdb`: a new database
   * made by PGlite's initdb (no template cache, or it failed: see `warning`).
   */
  readonly source: 'existing' | 'template' | 'initdb';
  /** The database lives in memory (no `dataDir`). */
  readonly inMemory?: true;
  /** The template was made by this open (once per PGlite version and cache directory). */
  readonly templateCreated?: boolean;
  /** A `template` database came from the archive shipped with the package, not from the template cache. */
  readonly shippedArchive?: true;
  /** Why the template was not used, or that a mismatching one was replaced. */
  readonly warning?: string;
}

/**
 * Opens an embedded PostgreSQL (PGlite). `dataDir` persists it to a directory; without one it lives in memory.
 * One open at a time holds a data directory, from before PGlite opens it until {@link SqlClient.close}: a second
 * one, in this process or another, fails at once with a {@link DataDirInUseError} that names the holder's pid and
 * command (the lock is the kernel's, released when the holder exits or is killed; see `data-dir-lock.ts`).
 * A new database (a missing or empty data directory, or one in memory) starts from initdb's output shipped with
 * the package, or a template kept per PGlite version (see {@link PgliteOptions.shippedTemplate} and
 * {@link PgliteOptions.templateCacheDir}), rather than from initdb. Opening still costs about a second: open one instance per process and
 * share it.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<SqlClient> {
  const { dataDir, onOpen } = options;
  const cacheDir = options.templateCacheDir ?? defaultTemplateCacheDir();
  const shipped = options.shippedTemplate ?? true;
  if (!dataDir) {
    // Imported while the archive is decompressed (off the main thread): a first start waits for the longer one.
    const pglite = loadPglite();
    const { archive, report } = await templateArchive(cacheDir, shipped);
    const db = await (await pglite).create(archive ? { loadDataDir: archive } : {});
    onOpen?.(report);
    return pgliteClient(db);
  }
  // Before PGlite is imported (a second of the main thread): a directory held elsewhere is refused at once.
  const lock = await ownDataDir(dataDir);
  try {
    const pglite = loadPglite();
    const report = await prepareDataDir(dataDir, cacheDir, shipped);
    const db = await (await pglite).create(dataDir);
    onOpen?.(lock.warning ? { ...report, warning: joinWarnings(report.warning, lock.warning) } : report);
    return pgliteClient(db, db, lock.held);
  } catch (error) {
    await lock.held?.release();
    throw error;
  }
}

/** Locks a plain directory path (PGlite's URL schemes, memory:// and idb://, are not directories to lock). */
async function ownDataDir(dataDir: string): Promise<{ held?: DataDirLock; warning?: string }> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir)) return {};
  const lock = await lockDataDir(dataDir);
  if ('release' in lock) return { held: lock };
  return {
    warning:
      `${dataDir} is not locked against a second process (${lock.unavailable}): make sure that no other process ` +
      'opens it while this one runs, or the writes of one are lost',
  };
}

const joinWarnings = (first: string | undefined, second: string) => (first ? `${first}; ${second}` : second);

/**
 * The template as an archive for an in-memory database: the shipped one as it is, else the cached template's;
 * none (initdb) when there is no template to be had.
 */
async function templateArchive(
  cacheDir: string | false,
  shipped: boolean,
): Promise<{ archive?: Blob; report: PgliteOpenReport }> {
  if (cacheDir === false) return { report: { source: 'initdb', inMemory: true } };
  const fromPackage = shipped ? await shippedArchive().catch(() => undefined) : undefined;
  if (fromPackage)
    return { archive: fromPackage, report: { source: 'template', inMemory: true, shippedArchive: true } };
  try {
    const template = await ensureTemplate(cacheDir);
    const archive = await archiveOf(template.dataDir);
    return { archive, report: { source: 'template', inMemory: true, templateCreated: template.created } };
  } catch (error) {
    return { report: { source: 'initdb', inMemory: true, warning: cannotUse(cacheDir, error) } };
  }
}

// A template's archive, read once per process: tests and demos open many in-memory databases.
const archives = new Map<string, Promise<Blob>>();

function archiveOf(templateDir: string): Promise<Blob> {
  let archive = archives.get(templateDir);
  if (!archive) {
    archive = tarDirectory(templateDir).then((tar) => new Blob([tar], { type: 'application/x-tar' }));
    // A failed read is not remembered: the next open tries again.
    archive.catch(() => archives.delete(templateDir));
    archives.set(templateDir, archive);
  }
  return archive;
}

/**
 * Fills a new data directory from the shipped archive, else from the template cache; on any failure leaves it to
 * PGlite's initdb, and says why.
 */
async function prepareDataDir(dataDir: string, cacheDir: string | false, shipped: boolean): Promise<PgliteOpenReport> {
  if (await hasDatabase(dataDir)) return { source: 'existing' };
  // Only plain paths: PGlite's URL schemes (memory://, idb://) are not directories to copy into.
  if (cacheDir === false || /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir)) return { source: 'initdb' };
  let unpackFailure: string | undefined;
  if (shipped) {
    try {
      const archive = await shippedArchive();
      if (archive) {
        if (await unpackArchive(archive, dataDir)) return { source: 'template', shippedArchive: true };
        return { source: 'initdb', warning: notEmpty(dataDir) };
      }
    } catch (error) {
      unpackFailure = `could not unpack the PGlite archive shipped with @mekong/store (${(error as Error).message})`;
    }
  }
  try {
    const template = await ensureTemplate(cacheDir);
    const copied = await copyTemplate(template, dataDir);
    const warning = !copied
      ? notEmpty(dataDir)
      : template.replaced
        ? `replaced the PGlite template in ${cacheDir}: it did not match PGlite ${template.pglite} (${template.replaced})`
        : unpackFailure;
    return {
      source: copied ? 'template' : 'initdb',
      templateCreated: template.created,
      ...(warning ? { warning } : {}),
    };
  } catch (error) {
    const warning = cannotUse(cacheDir, error);
    return { source: 'initdb', warning: unpackFailure ? `${unpackFailure}; ${warning}` : warning };
  }
}

const notEmpty = (dataDir: string) =>
  `${dataDir} is not empty but holds no database (no PG_VERSION): PGlite's initdb makes one there`;

const cannotUse = (cacheDir: string, error: unknown) =>
  `could not use a PGlite template from ${cacheDir} (${(error as Error).message}): new databases are made by ` +
  'initdb, which takes seconds; set plugins.store.templateCacheDir to a writable directory, or to false to stop ' +
  'trying';

async function hasDatabase(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

type Queryable = Pick<Transaction, 'query' | 'exec'>;

function pgliteClient(db: PGlite, target: Queryable = db, lock?: DataDirLock): SqlClient {
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
      if (target !== db) return;
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
