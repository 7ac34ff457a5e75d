import { triageAssessmentServiceRef } from '@district-hospital/plugin-triage-api';
import { expect, it, vi } from 'vitest';
import { startHospital } from './deployment.js';

it('starts the hospital with the new plugin and prints its boot report', async () => {
  const print = vi.spyOn(console, 'log').mockImplementation(() => {});
  const host = await startHospital();
  try {
    expect(print.mock.calls[0]?.[0]).toMatch(/├─ fever-triage@0\.1\.0 {2}started/);
    expect(host.get(triageAssessmentServiceRef).assess({ temperatureCelsius: 38.2, spo2: 90 })).toMatchObject({
      level: 2,
      findings: [{ rule: 'danger-zone-vitals' }, { rule: 'fever' }],
    });
  } finally {
    await host.stop();
    print.mockRestore();
  }
});
