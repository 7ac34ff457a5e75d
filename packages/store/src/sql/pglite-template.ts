import { constants, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import { LOCK_FILE } from './data-dir-lock.js';
import { untar } from './ustar.js';

// PGlite runs initdb in WebAssembly on every new data directory: seconds, most of a first start. A template is
// one data directory per PGlite version, initialised once and shut down cleanly, that a new data directory is
// copied from instead. It holds nothing but what initdb made: migrations run in each data directory, so no
// row, key or secret is ever shared between deployments made from it. The package ships initdb's output for
// its PGlite version (scripts/pglite-template.mjs makes it at install and before publishing), so that not even
// a machine's first start runs initdb.

/** Bumped whenever what a template holds changes (for example options passed to `PGlite.create`). */
const FORMAT = 1;
const STAMP = 'template.json';
const DATA = 'data';
// PGlite treats a directory with PG_VERSION as a database; it is copied last, so a copy cut short is never one,
// and the marker file tells such a copy from files someone else put there.
const PG_VERSION = 'PG_VERSION';
const COPYING = '.mekong-template-copy';

interface Stamp {
  readonly format: number;
  readonly pglite: string;
}

/** A template ready to copy: its data directory and the PGlite version that made it. */
export interface PgliteTemplate {
  readonly dataDir: string;
  readonly pglite: string;
  /** Whether this call made it (the first data directory of this PGlite version under the cache directory). */
  readonly created: boolean;
  /** Set when a template was found that does not match this PGlite, and replaced. */
  readonly replaced?: string;
}

/**
 * Where templates are kept unless configured: `$XDG_CACHE_HOME/mekong/pglite`, else `~/.cache/mekong/pglite`.
 * Per user, so that no other account can put a data directory there for this one to copy.
 */
export function defaultTemplateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mekong', 'pglite');
}

/**
 * PGlite, imported when a database is opened: a deployment on PostgreSQL never loads it (50 ms from the build,
 * 300 ms through tsx's loader, which a start from the sources pays).
 */
export const loadPglite = async (): Promise<typeof PGlite> => (await import('@electric-sql/pglite')).PGlite;

let installed: Promise<string> | undefined;
let shipped: Promise<Blob | undefined> | undefined;

/**
 * initdb's output for the installed PGlite, as a tar, from the archive shipped with this package
 * (`pglite-template/pglite-<version>.tar.gz`); undefined when the package has none for this version (installed
 * without running its scripts, or PGlite upgraded since). Read and decompressed once per process: a Blob, which
 * every in-memory database loads as it is.
 */
export function shippedArchive(): Promise<Blob | undefined> {
  shipped ??= (async () => {
    const archive = join(await packageDir(), 'pglite-template', `pglite-${await pgliteVersion()}.tar.gz`);
    const gzipped = await readFile(archive).catch(() => undefined);
    if (!gzipped) return undefined;
    return new Promise<Blob>((resolve, reject) =>
      gunzip(gzipped, (error, tar) => (error ? reject(error) : resolve(new Blob([tar])))),
    );
  })();
  return shipped;
}

/** This package's directory: the nearest package.json above this module, from the sources or the build. */
async function packageDir(): Promise<string> {
  return packageDirOf(dirname(fileURLToPath(import.meta.url)), '@mekong/store');
}

/** The version of the installed `@electric-sql/pglite`, read from its package.json: the template's key. */
export function pgliteVersion(): Promise<string> {
  installed ??= (async () => {
    // Its exports map hides package.json: walk up from the entry point to it.
    const dir = await packageDirOf(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), PGLITE);
    const { version } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: string };
    if (!version) throw new Error(`the package.json of ${PGLITE} has no version`);
    return version;
  })();
  return installed;
}

const PGLITE = '@electric-sql/pglite';

/** The directory of package `name` that `dir` is in: the first above it whose package.json has that name. */
async function packageDirOf(dir: string, name: string): Promise<string> {
  for (let at = dir; ; at = dirname(at)) {
    const manifest = await readFile(join(at, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest && (JSON.parse(manifest) as { name?: string }).name === name) return at;
    if (dirname(at) === at) throw new Error(`could not find the package.json of ${name} above ${dir}`);
  }
}

async function readStamp(dir: string): Promise<Stamp | undefined> {
  try {
    const stamp = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as Partial<Stamp>;
    await readFile(join(dir, DATA, PG_VERSION));
    return typeof stamp.format === 'number' && typeof stamp.pglite === 'string'
      ? { format: stamp.format, pglite: stamp.pglite }
      : undefined;
  } catch {
    return undefined;
  }
}

const matches = (stamp: Stamp | undefined, version: string) => stamp?.format === FORMAT && stamp.pglite === version;

/**
 * The template of the installed PGlite under `cacheDir`, made by initdb first if there is none (used when the
 * package ships no archive for this PGlite, see {@link shippedArchive}). A directory under that name whose stamp
 * names another PGlite version or format (or none) is not used: it is replaced. Safe when several processes
 * start at once: each builds in a private directory and the first rename wins.
 */
export async function ensureTemplate(cacheDir: string): Promise<PgliteTemplate> {
  const version = await pgliteVersion();
  const dir = join(cacheDir, `pglite-${version}`);
  const found = await readStamp(dir);
  if (matches(found, version)) return { dataDir: join(dir, DATA), pglite: version, created: false };

  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(cacheDir, `.pglite-${version}-`));
  try {
    const db = await (await loadPglite()).create(join(staging, DATA));
    await db.close(); // a clean shutdown: a copy starts without crash recovery
    const stamp: Stamp = { format: FORMAT, pglite: version };
    await writeFile(join(staging, STAMP), `${JSON.stringify(stamp)}\n`);
    const replaced = await moveAside(dir, found, version);
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another process finished first: use its template (ours is removed below).
      if (!matches(await readStamp(dir), version)) throw error;
      return { dataDir: join(dir, DATA), pglite: version, created: false };
    }
    return { dataDir: join(dir, DATA), pglite: version, created: true, ...(replaced ? { replaced } : {}) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Removes what is at `dir` when it is not a template of `version`; says what it was. */
async function moveAside(dir: string, found: Stamp | undefined, version: string): Promise<string | undefined> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return undefined;
  // Re-read: another process may have put a good template there since.
  if (matches(await readStamp(dir), version)) return undefined;
  const aside = `${dir}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // another process moved it
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
  return found ? `format ${found.format}, PGlite ${found.pglite}` : 'no valid template.json';
}

/**
 * Copies `template` into `dataDir` if `dataDir` is missing or empty (or holds only a copy of ours cut short);
 * returns whether it did. Files are copied (copy-on-write clones where the file system has them), never linked:
 * PostgreSQL writes its files in place, and two data directories must never share one.
 */
export function copyTemplate(template: PgliteTemplate, dataDir: string): Promise<boolean> {
  const pgVersion = join(template.dataDir, PG_VERSION);
  return fillNewDataDir(dataDir, template.dataDir, {
    // Synchronous: the native cpSync is several times faster than fs.promises.cp on a thousand small files, and
    // this runs once, while the store starts, before anything is served.
    allButPgVersion: () =>
      cpSync(template.dataDir, dataDir, {
        recursive: true,
        mode: constants.COPYFILE_FICLONE,
        filter: (source) => source !== pgVersion,
      }),
    pgVersion: () => copyFile(pgVersion, join(dataDir, PG_VERSION), constants.COPYFILE_FICLONE),
  });
}

/**
 * Unpacks `archive` (a data directory as a tar, see {@link shippedArchive}) into `dataDir` if `dataDir` is
 * missing or empty (or holds only an unpacking of ours cut short); returns whether it did.
 */
export async function unpackArchive(archive: Blob, dataDir: string): Promise<boolean> {
  const entries = untar(new Uint8Array(await archive.arrayBuffer()));
  const version = entries.find((entry) => entry.name === PG_VERSION);
  if (!version) throw new Error(`the archive holds no ${PG_VERSION}: it is not a data directory`);
  return fillNewDataDir(dataDir, 'the archive of a new PGlite database', {
    // Synchronous, as the copy above: a thousand small files, once, before anything is served.
    allButPgVersion: () => {
      for (const entry of entries) {
        const path = join(dataDir, ...entry.name.split('/'));
        if (entry.type === 'directory') mkdirSync(path, { recursive: true, mode: 0o700 });
        else if (entry !== version) {
          mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
          writeFileSync(path, entry.data, { mode: 0o600 });
        }
      }
    },
    pgVersion: () => writeFile(join(dataDir, PG_VERSION), version.data, { mode: 0o600 }),
  });
}

/**
 * Fills a new data directory: everything but PG_VERSION, then PG_VERSION, under a marker file, so that a fill cut
 * short is never taken for a database, and is told from files someone else put there.
 */
async function fillNewDataDir(
  dataDir: string,
  source: string,
  fill: { allButPgVersion: () => void; pgVersion: () => Promise<void> },
): Promise<boolean> {
  const found = await readdir(dataDir).catch((error: NodeJS.ErrnoException): string[] => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  // The lock file of the process filling it (see data-dir-lock.ts) is not someone else's file.
  const entries = found.filter((entry) => entry !== LOCK_FILE);
  const interrupted = entries.includes(COPYING) && !entries.includes(PG_VERSION);
  if (entries.length > 0 && !interrupted) return false;
  if (interrupted) {
    // Everything here is ours: the directory was empty when the copy began.
    await Promise.all(entries.map((entry) => rm(join(dataDir, entry), { recursive: true, force: true })));
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, COPYING), `copying ${source}\n`);
  fill.allButPgVersion();
  await fill.pgVersion();
  await rm(join(dataDir, COPYING));
  return true;
}
