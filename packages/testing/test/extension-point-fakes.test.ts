import {
  createExtensionPoint,
  createServiceFactory,
  createServiceRef,
  definePlugin,
  type Extension,
  PreflightError,
} from '@mekong/kernel';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestHost } from '../src/index.js';

interface Rule {
  readonly id: string;
  check(spo2: number): string | undefined;
}
const rulesPoint = createExtensionPoint<Rule>({ id: 'triage.rules', cardinality: 'multiple' });
const formatterPoint = createExtensionPoint<string, 'single'>({ id: 'triage.formatter', cardinality: 'single' });
const wardRef = createServiceRef<{ ward(): string }>({ id: 'triage.ward' });

/** A contribution to triage's point, tested here without triage. */
const spo2Rules = definePlugin({
  id: 'spo2-rules',
  version: '1.0.0',
  kernel: '^0.1.0',
  dependencies: { triage: '^1.2.0' },
  config: z.object({ below: z.number().default(92) }),
  register(env) {
    env.contribute(rulesPoint, {
      priority: 7,
      deps: { ward: wardRef },
      create: ({ ward }, { config }) => ({
        id: `spo2 on ${ward.ward()}`,
        check: (spo2) => (spo2 < config.below ? `SpO2 ${spo2}%` : undefined),
      }),
    });
  },
});
const wardFake = createServiceFactory({ service: wardRef, factory: () => ({ ward: () => 'emergency' }) });

describe('startTestHost({ extensionPoints }): a contribution tested without its owner', () => {
  it('registers the contribution into the faked point, built with its config and the faked services', async () => {
    const received: (readonly Extension<Rule>[])[] = [];
    const test = await startTestHost({
      plugins: [spo2Rules],
      config: { plugins: { 'spo2-rules': { below: 90 } } },
      services: [wardFake],
      extensionPoints: [[rulesPoint, (rules: readonly Extension<Rule>[]) => void received.push(rules)]],
    });
    const rules = test.contributions(rulesPoint);
    expect(received).toEqual([rules]);
    expect(rules.map((r) => [r.pluginId, r.priority, r.value.id])).toEqual([['spo2-rules', 7, 'spo2 on emergency']]);
    expect(rules[0]?.value.check(89)).toBe('SpO2 89%');
    expect(rules[0]?.value.check(91)).toBeUndefined();
    // The fake poses as the owner, at the lowest version the contributor accepts.
    expect(test.report.plugins.map((p) => `${p.id}@${p.version}:${p.status}`)).toEqual([
      'triage@1.2.0:started',
      'spo2-rules@1.0.0:started',
    ]);
  });

  it('without a fake, a missing owner is the pre-flight problem it always was', async () => {
    const error = await startTestHost({ plugins: [spo2Rules], services: [wardFake] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).problems.map((p) => `${p.code}:${p.pluginId}`)).toEqual([
      'MISSING_DEPENDENCY:spo2-rules',
    ]);
  });

  it('still runs pre-flight against the fake: a single point with no contribution is refused', async () => {
    const error = await startTestHost({
      plugins: [spo2Rules],
      services: [wardFake],
      extensionPoints: [[formatterPoint]],
    })
      .then(() => undefined)
      .catch((e: unknown) => e);
    // spo2-rules contributes to triage.rules, which is not faked here: the fake owns triage.formatter only.
    expect((error as PreflightError).problems.map((p) => `${p.code}:${p.pluginId}`)).toEqual([
      'EXTENSION_POINT_UNKNOWN:spo2-rules',
      'EXTENSION_POINT_MISSING:triage',
    ]);
  });

  it('refuses a fake it cannot place: an id without owner, or an owner that is also under test', async () => {
    const bare = createExtensionPoint<Rule>({ id: 'rules', cardinality: 'multiple' });
    await expect(startTestHost({ plugins: [], extensionPoints: [[bare]] })).rejects.toThrow(
      "cannot fake the owner of extension point 'rules': its id names no owner",
    );
    const triage = definePlugin({ id: 'triage', version: '1.2.0', kernel: '^0.1.0', register: () => {} });
    await expect(startTestHost({ plugins: [triage], extensionPoints: [[rulesPoint]] })).rejects.toThrow(
      "extensionPoints fakes 'triage.rules', but its owner 'triage' is among the plugins",
    );
  });

  it('contributions() of a point that is not faked says so', async () => {
    const test = await startTestHost({ plugins: [] });
    expect(() => test.contributions(rulesPoint)).toThrow("extension point 'triage.rules' is not faked");
  });
});
