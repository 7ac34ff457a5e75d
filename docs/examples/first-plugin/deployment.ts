import { triagePlugin, vitalSignsTriagePlugin } from '@mekong/example-district-hospital';
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
