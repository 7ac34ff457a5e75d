import { triageRulesExtensionPoint } from '@district-hospital/plugin-triage-api';
import { definePlugin } from '@mekong/kernel';
import { z } from 'zod';

/**
 * The "danger zone" vital signs of the Emergency Severity Index (adults): a patient beyond these thresholds
 * is considered for level 2. Thresholds are configurable because paediatric and local protocols differ.
 */
export const vitalSignsTriagePlugin = definePlugin({
  id: 'vital-signs-triage',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Triage rules for danger-zone vital signs',
  dependencies: { triage: '^0.1.0' },
  config: z.object({
    heartRateAbove: z
      .number()
      .positive()
      .default(100)
      .describe('Heart rate (beats/min) above which a patient is in the danger zone'),
    respiratoryRateAbove: z
      .number()
      .positive()
      .default(20)
      .describe('Respiratory rate (breaths/min) above which a patient is in the danger zone'),
    spo2Below: z
      .number()
      .min(50)
      .max(100)
      .default(92)
      .describe('Oxygen saturation (%) below which a patient is in the danger zone'),
  }),
  register(env) {
    env.contribute(triageRulesExtensionPoint, {
      priority: 10,
      create: (_deps, { config }) => ({
        id: 'danger-zone-vitals',
        evaluate(vitals) {
          const reasons = [
            vitals.heartRate !== undefined &&
              vitals.heartRate > config.heartRateAbove &&
              `heart rate ${vitals.heartRate}/min`,
            vitals.respiratoryRate !== undefined &&
              vitals.respiratoryRate > config.respiratoryRateAbove &&
              `respiratory rate ${vitals.respiratoryRate}/min`,
            vitals.spo2 !== undefined && vitals.spo2 < config.spo2Below && `SpO2 ${vitals.spo2}%`,
          ].filter((reason): reason is string => typeof reason === 'string');
          return reasons.length > 0
            ? { level: 2, reason: `danger-zone vital signs: ${reasons.join(', ')}` }
            : undefined;
        },
      }),
    });
  },
});
