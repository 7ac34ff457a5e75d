import {
  type TriageLevel,
  type TriageRule,
  triageAssessmentServiceRef,
  triageRulesExtensionPoint,
} from '@district-hospital/plugin-triage-api';
import { coreServices, createServiceFactory, definePlugin } from '@mekong/kernel';
import { z } from 'zod';

/** Owns the triage rules and turns them into an assessment. */
export const triagePlugin = definePlugin({
  id: 'triage',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Front-desk triage: urgency levels from contributed rules',
  config: z.object({
    defaultLevel: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(4)
      .describe('The urgency level (1 most urgent, 5 least) when no rule finds anything'),
  }),
  register(env) {
    env.registerExtensionPoint(triageRulesExtensionPoint);
    let rules: readonly { pluginId: string; value: TriageRule }[] = [];
    let defaultLevel: TriageLevel = 4;
    env.provideService(
      createServiceFactory({
        service: triageAssessmentServiceRef,
        factory: () => ({
          assess(vitals) {
            const findings = rules.flatMap(({ pluginId, value: rule }) => {
              const finding = rule.evaluate(vitals);
              return finding ? [{ ...finding, rule: rule.id, plugin: pluginId }] : [];
            });
            const level = Math.min(defaultLevel, ...findings.map((f) => f.level)) as TriageLevel;
            return { level, findings };
          },
        }),
      }),
    );
    env.registerInit({
      deps: { rules: triageRulesExtensionPoint, log: coreServices.logger },
      init(deps, { config }) {
        rules = deps.rules;
        defaultLevel = config.defaultLevel as TriageLevel;
        deps.log.info({ rules: rules.map((r) => `${r.pluginId}/${r.value.id}`) }, 'triage rules loaded');
      },
    });
  },
});
