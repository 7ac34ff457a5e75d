/**
 * The contract of the `triage` plugin, apart from its implementation: what other plugins may use. They depend
 * on this package (a peer dependency with a caret range), never on `@district-hospital/plugin-triage`.
 *
 * @packageDocumentation
 */
import { createExtensionPoint, createServiceRef } from '@mekong/kernel';

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

/** The triage assessment service, for plugins that depend on `triage`. */
export const triageAssessmentServiceRef = createServiceRef<TriageService>({ id: 'triage.assessment' });
