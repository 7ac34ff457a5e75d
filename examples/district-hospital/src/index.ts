/** The sample plugins of the district-hospital deployment, for guides and tests that build on them. */

export { createDeployment, deploymentConfig, plugins } from './deployment.js';
export type {
  TriageAssessment,
  TriageFinding,
  TriageLevel,
  TriageRule,
  TriageService,
  VitalSigns,
} from './plugins/triage.js';
export { triagePlugin, triageRulesExtensionPoint, triageServiceRef } from './plugins/triage.js';
export { vitalSignsTriagePlugin } from './plugins/vital-signs-triage.js';
