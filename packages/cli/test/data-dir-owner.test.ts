import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runMekong } from './run-mekong.js';

// One process owns a PGlite data directory: commands that open it refuse while `mekong start` holds it.

const bin = fileURLToPath(new URL('../bin/mekong.js', import.meta.url));
const wardConfig = fileURLToPath(new URL('./fixtures/mekong.config.ts', import.meta.url));
const serverConfig = fileURLToPath(new URL('./fixtures/server.config.ts', import.meta.url));
// The fixtures read MEKONG_DATA_DIR when they are first imported.
const dataDir = mkdtempSync(join(tmpdir(), 'mekong-cli-owner-'));
process.env.MEKONG_DATA_DIR = dataDir;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const createKey = () => runMekong(serverConfig, 'token', 'create', '--name', 'lab import', '--role', 'clinician');

describe('mekong on a PGlite data directory that `mekong start` holds', () => {
  it('token create, seed and a second start refuse, naming the server process and what to do; once it stops, token create works', async () => {
    // The ward deployment has no HTTP server to bind a port: `start` holds the data directory until a signal.
    const server = spawn(process.execPath, [bin, '--config', wardConfig, 'start'], {
      env: { ...process.env, MEKONG_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        let err = '';
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('Mekong is running')) resolve();
        });
        server.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        server.on('exit', () => reject(new Error(`mekong start exited early: ${out}${err}`)));
      });

      const refused = await createKey();
      expect(refused.code).toBe(1);
      expect(refused.stdout).not.toMatch(/^mk_/m);
      expect(refused.stderr).toContain(`the PGlite data directory ${dataDir} is in use by process ${server.pid} (`);
      expect(refused.stderr).toContain('mekong.js --config');
      expect(refused.stderr).toMatch(
        new RegExp(`hint: stop process ${server.pid} \\(.*\\) and try again, or .*POST /admin/api-keys for a key`),
      );
      const seeded = await runMekong(wardConfig, 'seed');
      expect(seeded.code).toBe(1);
      expect(seeded.stderr).toContain(`is in use by process ${server.pid} (`);
      const second = await runMekong(wardConfig, 'start');
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is in use by process ${server.pid} (`);
      expect(second.stderr).toContain(`hint: stop process ${server.pid} (`);

      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      const created = await createKey();
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^mk_/m);
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);
});
