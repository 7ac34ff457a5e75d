import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openPglite,
  type PgliteOpenReport,
  type PgliteOptions,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';

// Every PGlite initdb here costs seconds: the tests share one template cache where they can.
const root = mkdtempSync(join(tmpdir(), 'mekong-template-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sharedCache = join(root, 'cache');
let counter = 0;
const freshDir = (name: string) => join(root, `${name}-${++counter}`);
const pglite = (
  JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

async function open(dataDir: string, options: Omit<PgliteOptions, 'dataDir' | 'onOpen'> = {}) {
  let report: PgliteOpenReport | undefined;
  const db = await openPglite({
    dataDir,
    templateCacheDir: sharedCache,
    ...options,
    onOpen: (r) => {
      report = r;
    },
  });
  if (!report) throw new Error('openPglite did not report how it opened the data directory');
  return { db, report };
}

async function withDb<T>(dataDir: string, options: Parameters<typeof open>[1], work: (db: SqlClient) => Promise<T>) {
  const { db, report } = await open(dataDir, options);
  try {
    return { result: await work(db), report };
  } finally {
    await db.close();
  }
}

const migrated = async (db: SqlClient) =>
  (
    await db.query<{ version: string }>(`select version from mekong_migration where owner = 'store' order by version`)
  ).rows.map((r) => r.version);

/** First start on a new data directory, a write, and a restart that must find it. */
async function firstStartAndRestart(dataDir: string, options: Parameters<typeof open>[1] = {}) {
  const first = await withDb(dataDir, options, async (db) => {
    const report = await runMigrations(db, [storeMigrations]);
    const patient = await new ResourceStore(db).create({ resourceType: 'Patient', name: [{ family: 'Trần' }] });
    return { applied: report.applied, id: patient.id };
  });
  const restart = await withDb(dataDir, options, async (db) => ({
    read: await new ResourceStore(db).read('Patient', first.result.id),
    migrations: await migrated(db),
    pending: (await runMigrations(db, [storeMigrations])).applied,
  }));
  return { first, restart };
}

describe('PGlite data directories from a template', () => {
  it('unpacks a new data directory from the shipped archive; the store migrates it and its data survives a restart', async () => {
    const { first, restart } = await firstStartAndRestart(freshDir('data'));
    expect(first.report).toEqual({ source: 'template', shippedArchive: true });
    expect(first.result.applied).toEqual(storeMigrations.migrations.map((m) => `store@${m.version}`));
    expect(restart.report).toEqual({ source: 'existing' });
    expect(restart.result.read.name?.[0]?.family).toBe('Trần');
    expect(restart.result.migrations).toEqual(storeMigrations.migrations.map((m) => m.version));
    expect(restart.result.pending).toEqual([]);
  });

  it('without a template (templateCacheDir: false), PGlite initdb makes the data directory; data survives too', async () => {
    const { first, restart } = await firstStartAndRestart(freshDir('initdb'), { templateCacheDir: false });
    expect(first.report).toEqual({ source: 'initdb' });
    expect(restart.report).toEqual({ source: 'existing' });
    expect(restart.result.read.name?.[0]?.family).toBe('Trần');
  });

  it('gives two data directories from one template nothing in common: separate files, separate data', async () => {
    const [a, b] = [freshDir('a'), freshDir('b')];
    await withDb(a, {}, async (db) => db.exec('create table note (text text); insert into note values ($$in a$$)'));
    const inB = await withDb(b, {}, async (db) => {
      await db.exec('create table note (text text)');
      return (await db.query('select * from note')).rows;
    });
    expect(inB.report).toEqual({ source: 'template', shippedArchive: true });
    expect(inB.result).toEqual([]);
    const inA = await withDb(a, {}, async (db) => (await db.query<{ text: string }>('select text from note')).rows);
    expect(inA.result).toEqual([{ text: 'in a' }]);
    // Copies, not links: PostgreSQL writes its files in place.
    const catalog = join('global', 'pg_control');
    expect(statSync(join(a, catalog)).ino).not.toBe(statSync(join(b, catalog)).ino);
    expect(statSync(join(b, catalog)).nlink).toBe(1);
  });

  it('makes the template once when several data directories are opened on an empty cache together', async () => {
    const cache = join(root, 'concurrent-cache');
    const opened = await Promise.all(
      [freshDir('x'), freshDir('y')].map((dir) =>
        withDb(
          dir,
          { templateCacheDir: cache, shippedTemplate: false },
          async (db) => (await db.query('select 1 as one')).rows,
        ),
      ),
    );
    expect(opened.map((o) => o.report.source)).toEqual(['template', 'template']);
    expect(opened.filter((o) => o.report.templateCreated)).toHaveLength(1);
    expect(readdirSync(cache)).toEqual([`pglite-${pglite}`]);
  });

  it('replaces a template stamped by another PGlite version instead of copying it, and says so', async () => {
    const cache = join(root, 'stale-cache');
    const stale = join(cache, `pglite-${pglite}`);
    mkdirSync(join(stale, 'data'), { recursive: true });
    writeFileSync(join(stale, 'template.json'), JSON.stringify({ format: 1, pglite: '0.4.0' }));
    writeFileSync(join(stale, 'data', 'PG_VERSION'), '16\n');
    const other = join(cache, 'pglite-0.4.0');
    mkdirSync(other);
    const dataDir = freshDir('replaced');
    const { report } = await withDb(dataDir, { templateCacheDir: cache, shippedTemplate: false }, async (db) =>
      db.query('select 1'),
    );
    expect(report).toMatchObject({ source: 'template', templateCreated: true });
    expect(report.warning).toContain(`it did not match PGlite ${pglite}`);
    expect(report.warning).toContain('PGlite 0.4.0');
    expect(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8')).toBe(
      readFileSync(join(stale, 'data', 'PG_VERSION'), 'utf8'),
    );
    expect(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8')).not.toBe('16\n');
    expect(JSON.parse(readFileSync(join(stale, 'template.json'), 'utf8'))).toEqual({ format: 1, pglite });
    // Templates of other versions are left alone: another project on this machine may use them.
    expect(readdirSync(cache).sort()).toEqual(['pglite-0.4.0', `pglite-${pglite}`]);
  });

  it('starts an in-memory database from the template: the store migrates it, and the next one starts empty', async () => {
    const opens: PgliteOpenReport[] = [];
    const memory = () => openPglite({ templateCacheDir: sharedCache, onOpen: (r) => opens.push(r) });
    const first = await memory();
    try {
      expect((await runMigrations(first, [storeMigrations])).applied).toHaveLength(storeMigrations.migrations.length);
      const patient = await new ResourceStore(first).create({ resourceType: 'Patient', name: [{ family: 'Lê' }] });
      expect((await new ResourceStore(first).read('Patient', patient.id)).name?.[0]?.family).toBe('Lê');
    } finally {
      await first.close();
    }
    const second = await memory();
    try {
      expect((await second.query(`select to_regclass('mekong_resource') as found`)).rows).toEqual([{ found: null }]);
    } finally {
      await second.close();
    }
    expect(opens).toEqual([
      { source: 'template', inMemory: true, shippedArchive: true },
      { source: 'template', inMemory: true, shippedArchive: true },
    ]);
  });

  it("ships initdb's output for the installed PGlite: a first start on a machine (empty cache) runs no initdb", async () => {
    const archive = join(fileURLToPath(new URL('../pglite-template/', import.meta.url)), `pglite-${pglite}.tar.gz`);
    expect(statSync(archive).size, 'pnpm install makes it (scripts/pglite-template.mjs)').toBeGreaterThan(1_000_000);
    const cache = join(root, 'first-start-cache');
    const { first, restart } = await firstStartAndRestart(freshDir('first-start'), { templateCacheDir: cache });
    expect(first.report).toEqual({ source: 'template', shippedArchive: true });
    expect(restart.result.read.name?.[0]?.family).toBe('Trần');
    expect(restart.result.pending).toEqual([]);
    expect(readdirSync(root)).not.toContain('first-start-cache'); // no template made: nothing ran initdb
  });

  it('makes the template by initdb when told not to use the shipped archive (shippedTemplate: false)', async () => {
    const cache = join(root, 'initdb-cache');
    const { first, restart } = await firstStartAndRestart(freshDir('initdb-template'), {
      templateCacheDir: cache,
      shippedTemplate: false,
    });
    expect(first.report).toEqual({ source: 'template', templateCreated: true });
    expect(restart.result.read.name?.[0]?.family).toBe('Trần');
    // An in-memory database then loads that template, as the package's archive is not to be used.
    const opens: PgliteOpenReport[] = [];
    const memory = await openPglite({ templateCacheDir: cache, shippedTemplate: false, onOpen: (r) => opens.push(r) });
    try {
      expect((await memory.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await memory.close();
    }
    expect(opens).toEqual([{ source: 'template', inMemory: true, templateCreated: false }]);
  });

  it.each([
    ['an unpacking of the archive', true],
    ['a copy of the template', false],
  ])('starts %s that was cut short over again', async (_, shippedTemplate) => {
    const dataDir = freshDir('interrupted');
    mkdirSync(join(dataDir, 'base'), { recursive: true });
    writeFileSync(join(dataDir, '.mekong-template-copy'), 'copying\n');
    writeFileSync(join(dataDir, 'base', 'half-written'), 'x');
    const { report, result } = await withDb(
      dataDir,
      { shippedTemplate },
      async (db) => (await db.query('select 1 as one')).rows,
    );
    expect(report.source).toBe('template');
    expect(report.shippedArchive).toBe(shippedTemplate || undefined);
    expect(result).toEqual([{ one: 1 }]);
    expect(readdirSync(join(dataDir, 'base'))).not.toContain('half-written');
    expect(readdirSync(dataDir)).not.toContain('.mekong-template-copy');
  });

  it('falls back to initdb with a warning that names the cache directory when it cannot be written', async () => {
    const blocked = join(root, 'not-a-directory');
    writeFileSync(blocked, 'a file where the cache directory should be');
    const { report } = await withDb(
      freshDir('fallback'),
      { templateCacheDir: join(blocked, 'cache'), shippedTemplate: false },
      async (db) => db.query('select 1'),
    );
    expect(report.source).toBe('initdb');
    expect(report.warning).toMatch(
      /could not use a PGlite template from .*not-a-directory.*set plugins\.store\.templateCacheDir/,
    );
  });
});
