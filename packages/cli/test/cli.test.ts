import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPglite, storeMigrations } from '@mekong/store';
import { createPostgresSchema } from '@mekong/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runMekong } from './run-mekong.js';

const config = fileURLToPath(new URL('./fixtures/mekong.config.ts', import.meta.url));
const bin = fileURLToPath(new URL('../bin/mekong.js', import.meta.url));
// The store's migrations and the fixture's ward plugin's one.
const total = storeMigrations.migrations.length + 1;

// The fixture reads MEKONG_DATA_DIR when it is first imported: one data directory for this file's in-process runs.
const dataDir = mkdtempSync(join(tmpdir(), 'mekong-cli-'));
process.env.MEKONG_DATA_DIR = dataDir;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const mekong = (...args: string[]) => runMekong(config, ...args);

describe('mekong on PGlite', () => {
  it('doctor finds pending migrations, migrate --dry-run lists them, migrate applies them once, doctor passes', async () => {
    const before = await mekong('doctor');
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/✓ pre-flight: 2 plugin\(s\)/);
    expect(before.stderr).toMatch(
      new RegExp(`${total} migration\\(s\\) pending: store@0001, .*ward@0001\\n\\s+hint: run \`mekong migrate\``),
    );

    const dry = await mekong('migrate', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${total} migration(s) pending, 0 already applied`);
    expect(dry.stdout).toContain('pending: ward@0001');

    const applied = await mekong('migrate');
    expect(applied.stdout).toContain(`${total} migration(s) applied`);
    expect((await mekong('migrate')).stdout).toContain(`0 migration(s) applied, ${total} already applied`);

    const after = await mekong('doctor');
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(
      new RegExp(`✓ database and migrations: PGlite in .* is reachable, ${total} migration\\(s\\) applied`),
    );
    expect(after.stdout).toContain('ready to start');
  });

  it('seed writes the demo data by id, audited, and a second seed adds versions, not copies', async () => {
    expect((await mekong('seed')).code).toBe(0);
    const again = await mekong('seed');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/✓ write 2 demo resource\(s\) \(Organization, Patient\)/);
    const db = await openPglite({ dataDir });
    try {
      const { rows } = await db.query<{ id: string; version_id: string }>(
        'select id, version_id::text from mekong_resource order by id',
      );
      expect(rows).toEqual([
        { id: 'demo-hospital', version_id: '2' },
        { id: 'demo-patient', version_id: '2' },
      ]);
      const audit = await db.query<{ n: number }>(
        "select count(*)::int as n from mekong_audit where agent = 'system:mekong-cli' and outcome = 'success'",
      );
      expect(audit.rows[0]?.n).toBe(4);
    } finally {
      await db.close();
    }
  });

  it('plugins lists versions, dependencies and capabilities', async () => {
    const { code, stdout } = await mekong('plugins');
    expect(code).toBe(0);
    expect(stdout).toContain('store@0.1.0  ok');
    expect(stdout).toMatch(
      /ward@1\.2\.0 {2}ok\n {2}beds of a ward\n {2}depends on store \^0\.1\.0\n {2}reads Location/,
    );
  });

  it('says what failed and what to do: no config file, no server for a token, bad arguments', async () => {
    const missing = await runMekong('/nowhere/mekong.config.ts', 'doctor');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no deployment configuration at \/nowhere\/mekong\.config\.ts\nhint: run mekong/);
    const token = await mekong('token', 'create', '--name', 'lab', '--role', 'clinician');
    expect(token.code).toBe(1);
    expect(token.stderr).toContain("the deployment has no 'server' plugin");
    const days = await mekong('token', 'create', '--name', 'lab', '--role', 'nurse', '--expires-in-days', 'soon');
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('must be a whole number of days');
    const limit = await mekong('token', 'create', '--name', 'lab', '--role', 'nurse', '--rate-limit', '0');
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('must be a whole number of requests per rate-limit window');
    const noRole = await mekong('token', 'create', '--name', 'lab');
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain("required option '--role <role>' not specified");
  });

  it('doctor reports a misspelt role field and a plugin route prefix the server keeps, before anything runs', async () => {
    const misconfigured = fileURLToPath(new URL('./fixtures/misconfigured.config.ts', import.meta.url));
    const { code, stderr } = await runMekong(misconfigured, 'doctor');
    expect(code).toBe(1);
    const preflight = stderr.slice(stderr.indexOf('✗ pre-flight'));
    expect(preflight.split('\n').slice(0, 5).join('\n')).toBe(
      [
        '✗ pre-flight: 2 problem(s)',
        "  - [ROUTE_PREFIX_CONFLICT] kiosk: declares the route prefix '/admin/kiosk', which overlaps '/admin' of plugin 'server': each would serve paths under the other's",
        "    hint: route prefixes belong to one plugin: declare one of its own in capabilities.routes of 'kiosk', such as '/kiosk'; to add to what 'server' serves, contribute to an extension point it offers",
        "  - [INVALID_CONFIG] server: config plugins.server.auth.roles.front-desk.rules.0.hiddenFields.0: Patient has no element 'telcom'; did you mean 'telecom'?",
        '    hint: correct plugins.server.auth.roles.front-desk.rules.0.hiddenFields.0 in the host configuration',
      ].join('\n'),
    );
  });

  it('refuses a configuration without a deployment as its default export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mekong-cli-bad-'));
    try {
      writeFileSync(join(dir, 'mekong.config.ts'), 'export const plugins = [];\n');
      const { code, stderr } = await runMekong(join(dir, 'mekong.config.ts'), 'plugins');
      expect(code).toBe(1);
      expect(stderr).toMatch(/has no deployment as its default export\nhint: end it with `export default/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the mekong command on PostgreSQL', () => {
  it('migrates a PostgreSQL database and then passes doctor, as a separate process', async () => {
    const schema = await createPostgresSchema('cli');
    try {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [bin, '--config', config, ...args], {
          env: { ...process.env, DATABASE_URL: schema.url },
          encoding: 'utf8',
          timeout: 60_000,
        });
      const migrated = run('migrate');
      expect(migrated.stderr).toBe('');
      expect(migrated.stdout).toMatch(/✓ open PostgreSQL at 127\.0\.0\.1:5432\/test \(\d+ ms\)/);
      expect(migrated.stdout).toContain(`${total} migration(s) applied`);
      const checked = run('doctor');
      expect(checked.status).toBe(0);
      expect(checked.stdout).toContain('ready to start');
      const tables = await schema.query(
        "select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'ward_bed'",
        [schema.name],
      );
      expect((tables[0] as { n: number } | undefined)?.n).toBe(1);
    } finally {
      await schema.drop();
    }
  });
});
