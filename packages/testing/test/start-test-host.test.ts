import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreServices, createServiceRef, definePlugin, HostBootError, PreflightError } from '@mekong/kernel';
import { describe, expect, it } from 'vitest';
import { createManualClock, startTestHost, testServices } from '../src/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('startTestHost', () => {
  it('stops every host a test file left running, after the file', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'mekong-')), 'marker');
    const run = spawnSync(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'packages/testing/test/fixtures/vitest.config.ts'],
      { cwd: root, env: { ...process.env, MEKONG_CLEANUP_MARKER: marker }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('test finished\nstopped\n');
  });

  it('replaces services and exposes root services', async () => {
    const clock = createManualClock('2026-05-01T07:00:00Z');
    const seen: string[] = [];
    const plugin = definePlugin({
      id: 'stamps',
      version: '1.0.0',
      kernel: '^0.1.0',
      register(env) {
        env.registerInit({
          deps: { clock: coreServices.clock },
          init: ({ clock: c }) => {
            seen.push(c.now().toISOString());
            clock.advance(60_000);
            seen.push(c.now().toISOString());
          },
        });
      },
    });
    const test = await startTestHost({ plugins: [plugin], services: [testServices.clock(clock)] });
    expect(seen).toEqual(['2026-05-01T07:00:00.000Z', '2026-05-01T07:01:00.000Z']);
    expect(test.get(coreServices.clock)).toBe(clock);
    expect(test.report.plugins[0]?.status).toBe('started');
  });

  it('rejects like host.start(): pre-flight problems and boot failures', async () => {
    const needsMissing = definePlugin({
      id: 'needs',
      version: '1.0.0',
      kernel: '^0.1.0',
      register: (env) =>
        env.registerInit({ deps: { x: createServiceRef<number>({ id: 'nobody.x' }) }, init: () => {} }),
    });
    await expect(startTestHost({ plugins: [needsMissing] })).rejects.toBeInstanceOf(PreflightError);
    const fails = definePlugin({
      id: 'fails',
      version: '1.0.0',
      kernel: '^0.1.0',
      register: (env) =>
        env.registerInit({
          deps: {},
          init: () => {
            throw new Error('no');
          },
        }),
    });
    await expect(startTestHost({ plugins: [fails] })).rejects.toBeInstanceOf(HostBootError);
  });
});
