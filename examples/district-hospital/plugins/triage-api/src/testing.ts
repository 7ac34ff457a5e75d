/**
 * Fakes of the triage contract for the tests of plugins that depend on `triage`
 * (`@district-hospital/plugin-triage-api/testing`); the triage plugin's own tests check they answer as it does.
 *
 * @packageDocumentation
 */
import { createServiceFactory, type ServiceFactory } from '@mekong/kernel';
import { type TriageLevel, type TriageService, triageAssessmentServiceRef, type VitalSigns } from './index.js';

/** A fake triage assessment service and the vital signs it was asked about. */
export interface TriageAssessmentFake {
  /** Pass it in `startTestHost({ services: [fake.factory] })`. */
  readonly factory: ServiceFactory;
  /** Every call's vital signs, in order. */
  readonly calls: VitalSigns[];
}

/**
 * The triage service as it answers with no rules installed: every patient at `level`, with no findings (what
 * `triage` does at its `defaultLevel`).
 */
export function fakeTriageAssessment(level: TriageLevel = 4): TriageAssessmentFake {
  const calls: VitalSigns[] = [];
  const service: TriageService = {
    assess(vitals) {
      calls.push(vitals);
      return { level, findings: [] };
    },
  };
  return {
    factory: createServiceFactory({ service: triageAssessmentServiceRef, factory: () => service }) as ServiceFactory,
    calls,
  };
}
