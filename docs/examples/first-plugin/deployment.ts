import { triagePlugin } from '@district-hospital/plugin-triage';
import { vitalSignsTriagePlugin } from '@district-hospital/plugin-vital-signs-triage';
import { createHost, formatBootReport } from '@mekong/kernel';
import { feverTriagePlugin } from './fever-triage.js';

export async function startHospital() {
  const host = createHost({
    config: { kernel: { logLevel: 'warn' }, plugins: { 'fever-triage': { feverFromCelsius: 38 } } },
  });
  host.add(triagePlugin, vitalSignsTriagePlugin, feverTriagePlugin);

  const report = await host.start();
  console.log(formatBootReport(report));
  return host;
}
