import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const sources = ['--conditions=mekong-source', '--import', 'tsx'];

describe('@mekong/testing under any test runner', () => {
  it('imports in plain Node.js, outside any runner; stopTestHosts() stops what it started', () => {
    const script = `
      const { startTestHost, stopTestHosts } = await import('./src/index.ts');
      const { definePlugin, coreServices } = await import('@mekong/kernel');
      const plugin = definePlugin({ id: 'plain', version: '1.0.0', kernel: '^0.1.0', register(env) {
        env.registerInit({ deps: { lifecycle: coreServices.lifecycle }, init({ lifecycle }) {
          lifecycle.addShutdownHook(() => console.log('stopped'));
        } });
      } });
      const { report } = await startTestHost({ plugins: [plugin] });
      console.log(report.status);
      await stopTestHosts();`;
    const { VITEST: _, VITEST_WORKER_ID: __, ...env } = process.env;
    const run = spawnSync(process.execPath, [...sources, '--input-type=module', '-e', script], {
      cwd: join(root, 'packages/testing'),
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('started\nstopped\n');
    expect(run.status).toBe(0);
  });

  it('under node --test, stops every host a test file left running, after the file', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'mekong-')), 'marker');
    // The environment keeps VITEST=true, as a process spawned by a vitest test has it: the harness must not
    // take that for vitest.
    const run = spawnSync(
      process.execPath,
      [...sources, '--test', '--test-reporter=dot', 'packages/testing/test/fixtures/leaves-host-running.node-test.ts'],
      { cwd: root, env: { ...process.env, MEKONG_CLEANUP_MARKER: marker }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('test finished\nstopped\n');
  });
});
