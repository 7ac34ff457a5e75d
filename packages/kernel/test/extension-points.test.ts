import {
  coreServices,
  createHost,
  createServiceFactory,
  definePlugin,
  type Extension,
  optional,
  type Plugin,
  PreflightError,
} from '@mekong/kernel';
import { startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatterPoint, greeterRef, plugin, type Rule, rulesPoint } from './fixtures.js';

function owner(seen: { rules?: readonly Extension<Rule>[] }): Plugin {
  return plugin('owner', {
    register(env) {
      env.registerExtensionPoint(rulesPoint);
      env.registerInit({
        deps: { rules: rulesPoint },
        init({ rules }) {
          seen.rules = rules;
        },
      });
    },
  });
}

function contributor(id: string, priority?: number): Plugin {
  return plugin(id, {
    dependencies: { owner: '^1.0.0' },
    register: (env) =>
      env.contribute(rulesPoint, { ...(priority === undefined ? {} : { priority }), value: { name: `${id}-rule` } }),
  });
}

describe('extension points', () => {
  it('two plugins cooperate: the owner receives the contribution, built from the contributor services', async () => {
    const triage = definePlugin({
      id: 'owner',
      version: '0.1.0',
      kernel: '^0.1.0',
      config: z.object({ alertLevel: z.number().int().min(1).max(5).default(2) }),
      register(env) {
        env.registerExtensionPoint(rulesPoint);
        env.provideService(
          createServiceFactory({
            service: greeterRef,
            factory: () => ({ greet: (name: string) => `triaged ${name}` }),
          }),
        );
        env.registerInit({
          deps: { rules: rulesPoint },
          init({ rules }, { config }) {
            result.push(`level ${config.alertLevel}: ${rules.map((r) => `${r.pluginId}/${r.value.name}`).join(', ')}`);
          },
        });
      },
    });
    const vitals = plugin('vital-signs', {
      dependencies: { owner: '^0.1.0' },
      register(env) {
        env.contribute(rulesPoint, {
          deps: { clock: coreServices.clock },
          create: ({ clock }) => ({ name: `spo2-below-90 since ${clock.now().getUTCFullYear()}` }),
        });
        env.registerInit({
          deps: { greeter: greeterRef },
          init: ({ greeter }) => void result.push(greeter.greet('Nguyễn Văn An')),
        });
      },
    });
    const result: string[] = [];
    await startTestHost({
      plugins: [vitals, triage],
      config: { plugins: { owner: { alertLevel: 4 } } },
      services: [
        createServiceFactory({
          service: coreServices.clock,
          factory: () => ({ now: () => new Date('2026-01-02T00:00:00Z') }),
        }),
      ],
    });
    expect(result).toEqual(['level 4: vital-signs/spo2-below-90 since 2026', 'triaged Nguyễn Văn An']);
  });

  it('orders multiple contributions by priority, then by plugin id, whatever the order plugins were added', async () => {
    const orders: string[][] = [];
    for (const arrangement of [
      ['c', 'a', 'b', 'z'],
      ['z', 'b', 'a', 'c'],
    ]) {
      const seen: { rules?: readonly Extension<Rule>[] } = {};
      const priorities: Record<string, number | undefined> = { a: 0, b: 10, c: undefined, z: 10 };
      await startTestHost({ plugins: [owner(seen), ...arrangement.map((id) => contributor(id, priorities[id]))] });
      orders.push((seen.rules ?? []).map((r) => r.pluginId));
    }
    expect(orders).toEqual([
      ['b', 'z', 'a', 'c'],
      ['b', 'z', 'a', 'c'],
    ]);
  });

  it('a single extension point hands its owner the one contribution', async () => {
    let format: ((s: string) => string) | undefined;
    await startTestHost({
      plugins: [
        plugin('owner', {
          register(env) {
            env.registerExtensionPoint(formatterPoint);
            env.registerInit({
              deps: { formatter: formatterPoint },
              init: ({ formatter }) => {
                format = formatter.value;
              },
            });
          },
        }),
        plugin('upper', {
          dependencies: { owner: '*' },
          register: (env) => env.contribute(formatterPoint, { value: (s) => s.toUpperCase() }),
        }),
      ],
    });
    expect(format?.('bhyt')).toBe('BHYT');
  });

  it('optional dependency present: the service and the contribution are used', async () => {
    const seen: { rules?: readonly Extension<Rule>[]; greeting?: string | undefined } = {};
    const emr = plugin('emr', {
      optionalDependencies: { owner: '^1.0.0' },
      register(env) {
        env.contribute(rulesPoint, { value: { name: 'allergy-check' } });
        env.registerInit({
          deps: { greeter: optional(greeterRef) },
          init: ({ greeter }) => {
            seen.greeting = greeter?.greet('emr');
          },
        });
      },
    });
    const provider = plugin('owner', {
      register(env) {
        env.registerExtensionPoint(rulesPoint);
        env.provideService(
          createServiceFactory({ service: greeterRef, factory: () => ({ greet: (n: string) => `hello ${n}` }) }),
        );
        env.registerInit({
          deps: { rules: rulesPoint },
          init: ({ rules }) => {
            seen.rules = rules;
          },
        });
      },
    });
    await startTestHost({ plugins: [emr, provider] });
    expect(seen.greeting).toBe('hello emr');
    expect(seen.rules?.map((r) => r.value.name)).toEqual(['allergy-check']);
  });

  it('optional dependency absent: the service resolves to undefined and the contribution is dropped', async () => {
    let greeter: unknown = 'unset';
    const emr = plugin('emr', {
      optionalDependencies: { owner: '^1.0.0' },
      register(env) {
        env.contribute(rulesPoint, { value: { name: 'allergy-check' } });
        env.registerInit({
          deps: { greeter: optional(greeterRef) },
          init: (deps) => {
            greeter = deps.greeter;
          },
        });
      },
    });
    const { report } = await startTestHost({ plugins: [emr] });
    expect(report.plugins.map((p) => p.status)).toEqual(['started']);
    expect(greeter).toBeUndefined();
  });

  it('a failing contribution fails its contributor, not the owner (continue policy)', async () => {
    const seen: { rules?: readonly Extension<Rule>[] } = {};
    let brokenInitRan = false;
    const broken = plugin('broken', {
      dependencies: { owner: '*' },
      register: (env) => {
        env.contribute(rulesPoint, {
          create: () => {
            throw new Error('rule file missing');
          },
        });
        env.registerInit({
          deps: {},
          init: () => {
            brokenInitRan = true;
          },
        });
      },
    });
    const { report } = await startTestHost({
      plugins: [owner(seen), broken, contributor('fine')],
      config: { kernel: { onPluginBootFailure: 'continue' } },
    });
    expect(seen.rules?.map((r) => r.pluginId)).toEqual(['fine']);
    const byId = Object.fromEntries(report.plugins.map((p) => [p.id, p]));
    expect(byId.broken).toMatchObject({ status: 'failed', errorCode: 'CONTRIBUTION_FAILED' });
    expect(byId.broken?.reason).toContain("its contribution to 'owner.rules' failed: rule file missing");
    expect(byId.owner?.status).toBe('started');
    expect(brokenInitRan).toBe(false);
  });

  it('bounds a hanging contribution by the owner init timeout', async () => {
    const hanging = plugin('hanging', {
      dependencies: { owner: '*' },
      register: (env) => env.contribute(rulesPoint, { create: () => new Promise<Rule>(() => {}) }),
    });
    const { report } = await startTestHost({
      plugins: [owner({}), hanging],
      config: { kernel: { onPluginBootFailure: 'continue', plugins: { owner: { initTimeoutMs: 50 } } } },
    });
    expect(report.plugins.map((p) => [p.id, p.status, p.errorCode])).toEqual([
      ['owner', 'failed', 'PLUGIN_INIT_TIMEOUT'],
      ['hanging', 'disabled', undefined],
    ]);
  });
});

describe('static contributions', () => {
  it('are read in dependency order without running any init or create()', () => {
    let ran = false;
    const late = plugin('late', {
      dependencies: { owner: '^1.0.0', early: '^1.0.0' },
      register(env) {
        env.contribute(rulesPoint, { priority: 9, value: { name: 'late-rule' } });
        env.contribute(rulesPoint, {
          create: () => {
            ran = true;
            return { name: 'built' };
          },
        });
        env.registerInit({
          deps: {},
          init: () => {
            ran = true;
          },
        });
      },
    });
    const host = createHost().add(late, owner({}), contributor('early'));
    expect(host.staticContributions(rulesPoint)).toEqual([
      { pluginId: 'early', value: { name: 'early-rule' } },
      { pluginId: 'late', value: { name: 'late-rule' } },
    ]);
    expect(ran).toBe(false);
    const broken = createHost().add(late, owner({}));
    expect(() => broken.staticContributions(rulesPoint)).toThrow(PreflightError);
  });
});
