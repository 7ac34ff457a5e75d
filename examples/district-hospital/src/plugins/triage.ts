import {
  coreServices,
  createExtensionPoint,
  createServiceFactory,
  createServiceRef,
  definePlugin,
} from '@mekong/kernel';
import { z } from 'zod';

/** Vital signs taken at the front desk; every field is optional because triage starts with what is known. */
export interface VitalSigns {
  readonly heartRate?: number;
  readonly respiratoryRate?: number;
  /** Peripheral oxygen saturation, percent. */
  readonly spo2?: number;
  readonly systolicBloodPressure?: number;
  readonly temperatureCelsius?: number;
}

/** An urgency level, 1 (resuscitation) to 5 (non-urgent), as in the Emergency Severity Index. */
export type TriageLevel = 1 | 2 | 3 | 4 | 5;

/** A finding of one rule. */
export interface TriageFinding {
  readonly level: TriageLevel;
  readonly reason: string;
}

/** A rule contributed by another plugin: returns a finding, or undefined when it does not apply. */
export interface TriageRule {
  readonly id: string;
  evaluate(vitals: VitalSigns): TriageFinding | undefined;
}

/** The assessment: the most urgent level found, and every finding behind it. */
export interface TriageAssessment {
  readonly level: TriageLevel;
  readonly findings: readonly (TriageFinding & { rule: string; plugin: string })[];
}

/** Assesses a patient's urgency from the installed rules. */
export interface TriageService {
  assess(vitals: VitalSigns): TriageAssessment;
}

/** Plugins contribute rules here; every rule is evaluated, in priority order. */
export const triageRulesExtensionPoint = createExtensionPoint<TriageRule>({
  id: 'triage.rules',
  cardinality: 'multiple',
});

/** The triage service, for plugins that depend on `triage`. */
export const triageServiceRef = createServiceRef<TriageService>({ id: 'triage.service' });

/** Owns the triage rules and turns them into an assessment. */
export const triagePlugin = definePlugin({
  id: 'triage',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Front-desk triage: urgency levels from contributed rules',
  config: z.object({
    /** The level when no rule finds anything. */
    defaultLevel: z.number().int().min(1).max(5).default(4),
  }),
  register(env) {
    env.registerExtensionPoint(triageRulesExtensionPoint);
    let rules: readonly { pluginId: string; value: TriageRule }[] = [];
    let defaultLevel: TriageLevel = 4;
    env.provideService(
      createServiceFactory({
        service: triageServiceRef,
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
