import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Output, runCli } from '@mekong/cli';
import { createHost } from '@mekong/kernel';
import { serverServiceRef } from '@mekong/server';
import { startTestHost } from '@mekong/testing';
import { afterAll, describe, expect, it } from 'vitest';

// mekong.config.ts reads MEKONG_DATA_DIR when it is loaded: give this file a data directory of its own first.
const dataDir = mkdtempSync(join(tmpdir(), 'mekong-guide-'));
process.env.MEKONG_DATA_DIR = dataDir;
delete process.env.DATABASE_URL;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const { default: deployment, server } = await import('./mekong.config.js');
const configFile = fileURLToPath(new URL('./mekong.config.ts', import.meta.url));

/** Runs `mekong --config mekong.config.ts <args>` in this process. */
async function mekong(...args: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const out: Output = { line: (text) => void lines.push(text), error: (text) => void errors.push(text) };
  const code = await runCli(['--config', configFile, ...args], out);
  return { code, stdout: lines.join('\n'), stderr: errors.join('\n') };
}

describe('the commands of the guide', () => {
  it('doctor, migrate --dry-run, migrate, token create; the key works on the started deployment', async () => {
    const before = await mekong('doctor');
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/migration\(s\) pending: store@0001, .*server@0001/);

    const dryRun = await mekong('migrate', '--dry-run');
    expect(dryRun.stdout).toMatch(/\d+ migration\(s\) pending, 0 already applied/);
    const migrated = await mekong('migrate');
    expect(migrated.stdout).toMatch(/\d+ migration\(s\) applied/);
    const after = await mekong('doctor');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('ready to start');

    const token = await mekong(
      'token',
      'create',
      '--name',
      'BHXH assessor',
      '--role',
      'bhyt-assessor',
      '--patient',
      'Patient/lan',
    );
    expect(token.code).toBe(0);
    const key = token.stdout.split('\n').find((line) => line.startsWith('mk_')) as string;

    // As `mekong start` runs it, on a free port.
    const test = await startTestHost({
      plugins: deployment.plugins,
      config: { plugins: { ...deployment.config?.plugins, server: { ...server, host: '127.0.0.1', port: 0 } } },
    });
    const { app } = test.get(serverServiceRef);
    const read = (id: string) =>
      app.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}`, headers: { authorization: `Bearer ${key}` } });
    expect((await read('lan')).statusCode).toBe(404); // allowed, and there is no such patient yet
  });
});

describe('configuration', () => {
  it('refuses a bad configuration before anything starts, naming the config path', async () => {
    const jwt = { issuer: 'https://sso.bvhuyen.example.vn/realms/staff', audience: 'mekong' };
    const insecure = { ...server, auth: { jwt: { ...jwt, jwksUrl: 'http://sso.bvhuyen.example.vn/certs' } } };
    await expect(
      startTestHost({ plugins: deployment.plugins, config: { plugins: { server: insecure } } }),
    ).rejects.toThrow(/config plugins\.server\.auth\.jwt\.jwksUrl: the JWKS must be fetched over https/);

    // check() is the pre-flight that `mekong doctor` runs: every problem at once, no plugin code run.
    const role = { rules: [{ type: 'Patient', interactions: ['read'], hiddenFields: ['Patient.telecom', 'adress'] }] };
    const host = createHost({ config: { plugins: { server: { auth: { roles: { 'bhyt-assessor': role } } } } } });
    expect(
      host
        .add(...deployment.plugins)
        .check()
        .problems.map((p) => p.message),
    ).toEqual([
      "config plugins.server.auth.roles.bhyt-assessor.rules.0.hiddenFields.0: paths start inside the resource: write 'telecom', not 'Patient.telecom'",
      "config plugins.server.auth.roles.bhyt-assessor.rules.0.hiddenFields.1: Patient has no element 'adress'; did you mean 'address'?",
    ]);
  });
});
