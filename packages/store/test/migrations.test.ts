import { afterEach, describe, expect, it } from 'vitest';
import { MigrationError, type MigrationSet, runMigrations, type SqlClient, storeMigrations } from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

const storeVersions = storeMigrations.migrations.map((m) => `store@${m.version}`);

const pluginSet = (sql: string, more: MigrationSet['migrations'] = []): MigrationSet => ({
  owner: 'pharmacy',
  migrations: [{ version: '0001', description: 'stock table', sql }, ...more],
});

describe.each(backends)('migrations on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  afterEach(async () => dispose?.());
  const open = async () => ({ db, dispose } = await isolatedDatabase(backend));

  it('applies each migration once, in order, and records it', async () => {
    await open();
    const stock = pluginSet('create table pharmacy_stock (code text primary key, quantity int not null)', [
      { version: '0002', description: 'stock location', sql: 'alter table pharmacy_stock add column location text' },
    ]);
    expect(await runMigrations(db, [storeMigrations, stock], { dryRun: true })).toEqual({
      dryRun: true,
      applied: [...storeVersions, 'pharmacy@0001', 'pharmacy@0002'],
      alreadyApplied: 0,
    });
    const { rows: none } = await db.query(`select to_regclass('mekong_resource') as t`);
    expect(none[0]).toEqual({ t: null });
    expect((await runMigrations(db, [storeMigrations, stock])).applied).toEqual([
      ...storeVersions,
      'pharmacy@0001',
      'pharmacy@0002',
    ]);
    expect(await runMigrations(db, [storeMigrations, stock])).toEqual({
      dryRun: false,
      applied: [],
      alreadyApplied: storeVersions.length + 2,
    });
    await db.query(`insert into pharmacy_stock values ('N02BE01', 120, 'main')`);
    const { rows } = await db.query('select owner, version from mekong_migration order by owner, version');
    expect(rows).toEqual([
      { owner: 'pharmacy', version: '0001' },
      { owner: 'pharmacy', version: '0002' },
      ...storeMigrations.migrations.map((m) => ({ owner: 'store', version: m.version })),
    ]);
  });

  it('stops on a migration changed after it was applied, naming it and what to do', async () => {
    await open();
    await runMigrations(db, [pluginSet('create table pharmacy_stock (code text primary key)')]);
    const error = await runMigrations(db, [
      pluginSet('create table pharmacy_stock (code text primary key, q int)'),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      /^migration pharmacy@0001 \(stock table\) was changed after it was applied/,
    );
    expect((error as MigrationError).hint).toBe(
      "restore pharmacy@0001 as it was and put the change in a new migration of 'pharmacy'",
    );
  });

  it('stops when the database is newer than the code', async () => {
    await open();
    await runMigrations(db, [
      pluginSet('create table a (x int)', [{ version: '0002', description: 'b', sql: 'create table b (x int)' }]),
    ]);
    await expect(runMigrations(db, [pluginSet('create table a (x int)')])).rejects.toThrow(
      "the database has migration pharmacy@0002, which this version of 'pharmacy' does not know",
    );
  });

  it('a failing migration applies nothing of its run', async () => {
    await open();
    const broken = pluginSet('create table pharmacy_stock (code text)', [
      { version: '0002', description: 'typo', sql: 'alter tabel pharmacy_stock add column x int' },
    ]);
    await expect(runMigrations(db, [storeMigrations, broken])).rejects.toThrow(
      /migration pharmacy@0002 \(typo\) failed: syntax error/,
    );
    const { rows } = await db.query(
      `select to_regclass('pharmacy_stock') as stock, to_regclass('mekong_migration') as ledger`,
    );
    expect(rows[0]).toEqual({ stock: null, ledger: null });
  });
});
