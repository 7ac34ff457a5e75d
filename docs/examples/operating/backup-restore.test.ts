import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPostgres, openPglite, ResourceStore, runMigrations, storeMigrations } from '@mekong/store';
import { createPostgresSchema, testPostgresUrl } from '@mekong/testing';
import { afterAll, expect, it } from 'vitest';

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'pipe' });
const work = await mkdtemp(join(tmpdir(), 'mekong-backup-'));
afterAll(() => rm(work, { recursive: true, force: true }));

it('backs up a stopped PGlite data directory with tar and restores it into a new one', async () => {
  const dataDir = join(work, 'pglite-data');
  const db = await openPglite({ dataDir });
  await runMigrations(db, [storeMigrations]);
  const patient = await new ResourceStore(db).create({ resourceType: 'Patient', name: [{ family: 'Trần' }] });
  await db.close(); // the server is stopped: one process owns a data directory

  run('tar', ['-czf', join(work, 'mekong-data.tar.gz'), '-C', dataDir, '.']);
  const restored = join(work, 'restored-data');
  run('mkdir', [restored]);
  run('tar', ['-xzf', join(work, 'mekong-data.tar.gz'), '-C', restored]);

  const again = await openPglite({ dataDir: restored });
  try {
    expect((await runMigrations(again, [storeMigrations])).applied).toEqual([]);
    expect((await new ResourceStore(again).read('Patient', patient.id)).name?.[0]?.family).toBe('Trần');
  } finally {
    await again.close();
  }
});

it('backs up a PostgreSQL database with pg_dump and restores it with pg_restore into another database', async () => {
  const schema = await createPostgresSchema('backup');
  const db = connectPostgres({ connectionString: schema.url });
  let patientId: string;
  try {
    await runMigrations(db, [storeMigrations]);
    patientId = (await new ResourceStore(db).create({ resourceType: 'Patient', name: [{ family: 'Lê' }] })).id;
  } finally {
    await db.close();
  }

  // A whole database in production (`pg_dump -Fc -d mekong`); here one schema of the shared test database.
  const dump = join(work, 'mekong.dump');
  run('pg_dump', ['-Fc', '-n', schema.name, '-f', dump, '-d', testPostgresUrl]);
  const target = new URL(schema.url);
  target.pathname = `/${schema.name}`; // a new database, named like the schema to keep test runs apart
  const server = new URL(testPostgresUrl);
  run('createdb', ['-h', server.hostname, '-p', server.port || '5432', '-U', server.username, schema.name]);
  const restored = connectPostgres({ connectionString: target.toString() });
  try {
    const plain = new URL(target);
    plain.search = ''; // libpq reads `+` in the options parameter literally
    run('pg_restore', ['--exit-on-error', '--no-owner', '-d', plain.toString(), dump]);
    expect((await runMigrations(restored, [storeMigrations])).applied).toEqual([]);
    expect((await new ResourceStore(restored).read('Patient', patientId)).name?.[0]?.family).toBe('Lê');
  } finally {
    await restored.close();
    run('dropdb', ['-h', server.hostname, '-p', server.port || '5432', '-U', server.username, schema.name]);
    await schema.drop();
  }
});
