import { triageRulesExtensionPoint } from '@district-hospital/plugin-triage-api';
import { coreServices, definePlugin } from '@mekong/kernel';
import { z } from 'zod';

export const feverTriagePlugin = definePlugin({
  id: 'fever-triage',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Raises the urgency of febrile patients',
  dependencies: { triage: '^0.1.0' },
  config: z.object({
    feverFromCelsius: z
      .number()
      .min(37)
      .max(42)
      .default(38.5)
      .describe('Body temperature (°C) from which a patient has a fever'),
  }),
  register(env) {
    env.contribute(triageRulesExtensionPoint, {
      deps: { log: coreServices.logger },
      create: ({ log }, { config }) => {
        log.info({ threshold: config.feverFromCelsius }, 'fever rule ready');
        return {
          id: 'fever',
          evaluate: (vitals) =>
            vitals.temperatureCelsius !== undefined && vitals.temperatureCelsius >= config.feverFromCelsius
              ? { level: 3, reason: `fever ${vitals.temperatureCelsius} °C` }
              : undefined,
        };
      },
    });
  },
});
