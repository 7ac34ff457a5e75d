import { coreServices, HostBootError, MekongError, type Plugin, type PluginStatusService } from '@mekong/kernel';
import { createTestHost, startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { journal, plugin, sleep } from './fixtures.js';

/** A plugin that journals its init, start and stop, optionally failing or waiting. */
function traced(
  log: ReturnType<typeof journal>,
  id: string,
  options: {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    fail?: boolean;
    initMs?: number;
    stopMs?: number;
  } = {},
): Plugin {
  return plugin(id, {
    ...(options.dependencies ? { dependencies: options.dependencies } : {}),
    ...(options.optionalDependencies ? { optionalDependencies: options.optionalDependencies } : {}),
    register(env) {
      env.registerInit({
        deps: { lifecycle: coreServices.lifecycle },
        async init({ lifecycle }) {
          log.add(`init:${id}`);
          lifecycle.addStartHook(() => log.add(`start:${id}`));
          lifecycle.addShutdownHook(
            async () => {
              if (options.stopMs) await sleep(options.stopMs);
              log.add(`stop:${id}`);
            },
            { label: `${id} cleanup` },
          );
          if (options.initMs) await sleep(options.initMs);
          if (options.fail) throw new Error(`${id} cannot reach its device`);
          log.add(`ready:${id}`);
        },
      });
    },
  });
}

describe('host lifecycle', () => {
  it('inits in dependency order, then runs start hooks, and stops in reverse order', async () => {
    const log = journal();
    const test = await startTestHost({
      plugins: [
        traced(log, 'pharmacy', { dependencies: { emr: '*' } }),
        traced(log, 'emr'),
        traced(log, 'claims', { dependencies: { pharmacy: '*', emr: '*' } }),
      ],
    });
    expect(test.report.status).toBe('started');
    expect(test.report.plugins.map((p) => [p.id, p.status])).toEqual([
      ['emr', 'started'],
      ['pharmacy', 'started'],
      ['claims', 'started'],
    ]);
    await test.stop();
    expect(log.entries).toEqual([
      'init:emr',
      'ready:emr',
      'init:pharmacy',
      'ready:pharmacy',
      'init:claims',
      'ready:claims',
      'start:emr',
      'start:pharmacy',
      'start:claims',
      'stop:claims',
      'stop:pharmacy',
      'stop:emr',
    ]);
  });

  it('inits plugins with no path between them concurrently', async () => {
    const log = journal();
    await startTestHost({ plugins: [traced(log, 'lab', { initMs: 30 }), traced(log, 'pharmacy', { initMs: 30 })] });
    expect(log.entries.slice(0, 2).sort()).toEqual(['init:lab', 'init:pharmacy']);
  });

  it('abort: a failing init stops what had started and reports the failure', async () => {
    const log = journal();
    const host = createTestHost({
      plugins: [
        traced(log, 'emr'),
        traced(log, 'lab', { dependencies: { emr: '*' }, fail: true }),
        traced(log, 'claims', { dependencies: { lab: '*' } }),
      ],
    });
    const error = await host.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostBootError);
    const boot = error as HostBootError;
    expect(boot.pluginId).toBe('lab');
    expect(boot.message).toContain('lab cannot reach its device');
    expect(boot.hint).toContain("kernel.plugins.lab.onPluginBootFailure to 'continue'");
    expect(boot.report.status).toBe('aborted');
    expect(boot.report.plugins.map((p) => [p.id, p.status, p.reason])).toEqual([
      ['emr', 'disabled', "boot aborted after 'lab' failed"],
      ['lab', 'failed', 'lab cannot reach its device'],
      ['claims', 'disabled', "boot aborted after 'lab' failed"],
    ]);
    expect(log.entries).toEqual(['init:emr', 'ready:emr', 'init:lab', 'stop:lab', 'stop:emr']);
    expect(log.entries).not.toContain('start:emr');
  });

  it("abort: the failure's own hint, when it has one, is the boot error's hint", async () => {
    const failing = plugin('records', {
      register(env) {
        env.registerInit({
          deps: {},
          async init() {
            throw new MekongError({
              code: 'RECORDS_LOCKED',
              message: 'the records folder is in use by process 42',
              hint: 'stop process 42 and try again',
            });
          },
        });
      },
    });
    const error = await createTestHost({ plugins: [failing] })
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostBootError);
    expect((error as HostBootError).hint).toBe('stop process 42 and try again');
  });

  it("abort: a failure that names its plugin is named once in the boot error's message", async () => {
    const failing = plugin('records', {
      register(env) {
        env.registerInit({
          deps: {},
          async init() {
            throw new MekongError({
              code: 'RECORDS_BAD',
              pluginId: 'records',
              message: 'row 3 is empty',
              hint: 'fix row 3',
            });
          },
        });
      },
    });
    const error = await createTestHost({ plugins: [failing] })
      .start()
      .catch((e: unknown) => e);
    expect((error as HostBootError).message).toBe('[records] boot aborted: row 3 is empty');
  });

  it('continue: the failed plugin and its required dependents are out; optional dependents keep running', async () => {
    const log = journal();
    const { report } = await startTestHost({
      plugins: [
        traced(log, 'ai', { fail: true }),
        traced(log, 'diagnosis-assist', { dependencies: { ai: '*' } }),
        traced(log, 'emr', { optionalDependencies: { ai: '*' } }),
      ],
      config: { kernel: { plugins: { ai: { onPluginBootFailure: 'continue' } } } },
    });
    expect(report.status).toBe('started');
    const byId = Object.fromEntries(report.plugins.map((p) => [p.id, p]));
    expect(byId.ai).toMatchObject({
      status: 'failed',
      reason: 'ai cannot reach its device',
      onPluginBootFailure: 'continue',
    });
    expect(byId['diagnosis-assist']).toMatchObject({ status: 'disabled', reason: "requires 'ai', which failed" });
    expect(byId.emr).toMatchObject({ status: 'started' });
    expect(log.entries).toContain('start:emr');
    expect(log.entries).not.toContain('init:diagnosis-assist');
  });

  it('bounds init by a per-plugin timeout', async () => {
    const log = journal();
    const host = createTestHost({
      plugins: [traced(log, 'slow', { initMs: 5_000 })],
      config: { kernel: { plugins: { slow: { initTimeoutMs: 50, onPluginBootFailure: 'continue' } } } },
    });
    const report = await host.start();
    expect(report.plugins[0]).toMatchObject({ status: 'failed', errorCode: 'PLUGIN_INIT_TIMEOUT' });
    expect(report.plugins[0]?.reason).toBe('[slow] init did not finish within 50 ms');
    await host.stop();
  });

  it('stops in reverse order, bounding a hanging shutdown hook by its timeout, and stop is idempotent', async () => {
    const log = journal();
    const test = await startTestHost({
      plugins: [traced(log, 'emr'), traced(log, 'hangs', { dependencies: { emr: '*' }, stopMs: 10_000 })],
      config: { kernel: { stopTimeoutMs: 100 } },
    });
    const t = performance.now();
    const [first, second] = await Promise.all([test.stop(), test.stop()]);
    expect(performance.now() - t).toBeLessThan(2_000);
    expect(first).toBe(second);
    expect(first.plugins.map((p) => [p.id, p.timedOut])).toEqual([
      ['hangs', ['hangs cleanup']],
      ['emr', []],
      ['<host>', []],
    ]);
    expect(log.entries.slice(-1)).toEqual(['stop:emr']);
    expect(await test.stop()).toBe(first);
  });

  it('prints a boot report tree with statuses and timings', async () => {
    const { formatBootReport } = await import('@mekong/kernel');
    const log = journal();
    const { report } = await startTestHost({
      plugins: [traced(log, 'emr'), traced(log, 'pharmacy', { dependencies: { emr: '^1.0.0' } })],
    });
    const text = formatBootReport(report);
    expect(text).toMatch(/^mekong kernel 0\.1\.\d+: started in [\d.]+ ms \(2 plugin\(s\)\)/);
    expect(text).toMatch(/├─ emr@1\.0\.0 {2}started {2}init [\d.]+ ms {2}start [\d.]+ ms/);
    expect(text).toMatch(/└─ pharmacy@1\.0\.0 {2}started/);
    expect(text).toContain('depends on emr');
  });

  it('refuses add() and start() once started', async () => {
    const { host } = await startTestHost({ plugins: [plugin('emr')] });
    expect(() => host.add(plugin('lab'))).toThrow(/cannot add plugins while the host is running/);
    await expect(host.start()).rejects.toThrow(/cannot start a host that is running/);
    expect(() => host.add({ id: 'fake' } as never)).toThrow();
  });
});

describe('plugin status service', () => {
  it('tells a plugin what became of the others, and hands over the boot report once start has settled', async () => {
    const seen: string[] = [];
    let status: PluginStatusService | undefined;
    const observer = plugin('observer', {
      register(env) {
        env.registerInit({
          deps: { plugins: coreServices.pluginStatus, lifecycle: coreServices.lifecycle },
          init({ plugins, lifecycle }) {
            status = plugins;
            seen.push(`init: device=${plugins.status('device')} report=${plugins.report() === undefined}`);
            lifecycle.addStartHook(() => void seen.push(`start: self=${plugins.status('observer')}`));
          },
        });
      },
    });
    const log = journal();
    const test = await startTestHost({
      plugins: [observer, traced(log, 'device', { dependencies: { observer: '*' }, fail: true })],
      config: { kernel: { onPluginBootFailure: 'continue' } },
    });
    expect(seen).toEqual(['init: device=pending report=true', 'start: self=pending']);
    expect(status?.status('device')).toBe('failed');
    expect(status?.status('observer')).toBe('started');
    expect(status?.status('billing')).toBe('absent');
    expect(status?.report()).toBe(test.report);
    expect(status?.manifest('device')?.dependencies).toEqual({ observer: '*' });
    expect(status?.manifest('billing')).toBeUndefined();
  });
});
