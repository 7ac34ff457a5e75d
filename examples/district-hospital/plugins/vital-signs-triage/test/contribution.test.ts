import { type TriageRule, triageRulesExtensionPoint } from '@district-hospital/plugin-triage-api';
import type { Extension } from '@mekong/kernel';
import { startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { vitalSignsTriagePlugin } from '../src/index.js';

// The contribution alone, against a faked owner of triage.rules: no triage plugin installed.
describe('vital-signs-triage contributes a danger-zone rule', () => {
  it('flags danger-zone vital signs at level 2, with its configured thresholds', async () => {
    const received: Extension<TriageRule>[] = [];
    await startTestHost({
      plugins: [vitalSignsTriagePlugin],
      config: { plugins: { 'vital-signs-triage': { spo2Below: 94 } } },
      extensionPoints: [
        [triageRulesExtensionPoint, (rules: readonly Extension<TriageRule>[]) => void received.push(...rules)],
      ],
    });
    expect(received.map((r) => [r.pluginId, r.priority, r.value.id])).toEqual([
      ['vital-signs-triage', 10, 'danger-zone-vitals'],
    ]);
    const rule = received[0]?.value as TriageRule;
    expect(rule.evaluate({ heartRate: 80, respiratoryRate: 16, spo2: 95 })).toBeUndefined();
    expect(rule.evaluate({ spo2: 93, respiratoryRate: 24 })).toEqual({
      level: 2,
      reason: 'danger-zone vital signs: respiratory rate 24/min, SpO2 93%',
    });
  });
});
