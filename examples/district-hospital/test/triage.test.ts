import { startTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { triagePlugin, triageServiceRef } from '../src/plugins/triage.js';
import { vitalSignsTriagePlugin } from '../src/plugins/vital-signs-triage.js';

describe('sample plugins: triage and vital-signs-triage', () => {
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
});
