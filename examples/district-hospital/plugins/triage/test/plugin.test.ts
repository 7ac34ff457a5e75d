import { triageAssessmentServiceRef as triageServiceRef } from '@district-hospital/plugin-triage-api';
import { fakeTriageAssessment } from '@district-hospital/plugin-triage-api/testing';
import { vitalSignsTriagePlugin } from '@district-hospital/plugin-vital-signs-triage';
import { startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { triagePlugin } from '../src/index.js';

// The whole plugin through startTestHost, with the plugin that contributes to it.
describe('triage plugin', () => {
  it('cooperate through the triage rules extension point', async () => {
    const test = await startTestHost({ plugins: [vitalSignsTriagePlugin, triagePlugin] });
    const triage = test.get(triageServiceRef);
    expect(triage.assess({ heartRate: 80, respiratoryRate: 16, spo2: 98 })).toEqual({ level: 4, findings: [] });
    expect(triage.assess({ heartRate: 128, spo2: 89 })).toEqual({
      level: 2,
      findings: [
        {
          level: 2,
          reason: 'danger-zone vital signs: heart rate 128/min, SpO2 89%',
          rule: 'danger-zone-vitals',
          plugin: 'vital-signs-triage',
        },
      ],
    });
  });

  it('uses each plugin config', async () => {
    const test = await startTestHost({
      plugins: [vitalSignsTriagePlugin, triagePlugin],
      config: { plugins: { triage: { defaultLevel: 5 }, 'vital-signs-triage': { heartRateAbove: 140 } } },
    });
    expect(test.get(triageServiceRef).assess({ heartRate: 128 }).level).toBe(5);
  });

  it('without the rules plugin, triage falls back to its default level', async () => {
    const test = await startTestHost({ plugins: [triagePlugin] });
    expect(test.get(triageServiceRef).assess({ spo2: 80 })).toEqual({ level: 4, findings: [] });
  });

  it('answers as the fake in its -api package does, so dependents tested against the fake see the real answers', async () => {
    const test = await startTestHost({ plugins: [triagePlugin], config: { plugins: { triage: { defaultLevel: 3 } } } });
    const fake = fakeTriageAssessment(3);
    const vitals = { heartRate: 140, spo2: 85 };
    const fakeService = (await startTestHost({ plugins: [], services: [fake.factory] })).get(triageServiceRef);
    expect(test.get(triageServiceRef).assess(vitals)).toEqual(fakeService.assess(vitals));
    expect(fake.calls).toEqual([vitals]);
  });
});
