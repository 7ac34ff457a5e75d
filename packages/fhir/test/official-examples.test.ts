import { resourceTypes, validateResource } from '@mekong/fhir';
import { describe, expect, it } from 'vitest';
import { officialExamples } from './official-examples.js';

// The resource types the Mekong store must hold (issue 3); every official example of them must validate.
const REQUIRED_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Encounter',
  'EpisodeOfCare',
  'Condition',
  'Observation',
  'AllergyIntolerance',
  'Procedure',
  'Medication',
  'MedicationRequest',
  'MedicationDispense',
  'MedicationAdministration',
  'ServiceRequest',
  'Specimen',
  'DiagnosticReport',
  'DocumentReference',
  'Composition',
  'Coverage',
  'Claim',
  'ClaimResponse',
  'ChargeItem',
  'Account',
  'Invoice',
  'AuditEvent',
  'Provenance',
  'Consent',
  'Task',
  'Bundle',
  'OperationOutcome',
  'CapabilityStatement',
];

// Official examples that break the R4 specification itself; each must be rejected for exactly this reason.
const ERRATA: Record<string, string> = {
  'ImplementationGuide-fhir.json': 'ImplementationGuide.name: is required',
  'Questionnaire-qs1.json': 'Questionnaire.item[0].item[0].linkId: is required',
  'SearchParameter-codesystem-extensions-CodeSystem-author.json': 'SearchParameter.base: is required',
  'SearchParameter-codesystem-extensions-CodeSystem-effective.json': 'SearchParameter.base: is required',
  'SearchParameter-codesystem-extensions-CodeSystem-end.json': 'SearchParameter.base: is required',
  'SearchParameter-codesystem-extensions-CodeSystem-keyword.json': 'SearchParameter.base: is required',
  'SearchParameter-codesystem-extensions-CodeSystem-workflow.json': 'SearchParameter.base: is required',
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json':
    'SearchParameter.id: must be an id: 1 to 64 letters, digits, "-" or "."',
  'SearchParameter-valueset-extensions-ValueSet-author.json': 'SearchParameter.base: is required',
  'SearchParameter-valueset-extensions-ValueSet-effective.json': 'SearchParameter.base: is required',
  'SearchParameter-valueset-extensions-ValueSet-end.json': 'SearchParameter.base: is required',
  'SearchParameter-valueset-extensions-ValueSet-keyword.json': 'SearchParameter.base: is required',
  'SearchParameter-valueset-extensions-ValueSet-workflow.json': 'SearchParameter.base: is required',
};

const issuesOf = (json: unknown) => {
  const result = validateResource(json);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('official FHIR R4 examples', () => {
  it.each(REQUIRED_TYPES)('accepts every official %s example', (type) => {
    const examples = officialExamples([type]);
    expect(examples.length).toBeGreaterThan(0);
    const rejected = examples
      .map(({ file, json }) => [file, issuesOf(json)] as const)
      .filter(([, issues]) => issues.length);
    expect(rejected).toEqual([]);
  });

  it('accepts the examples of all 146 R4 resource types, except known errata, which it rejects for their defect', () => {
    expect(resourceTypes).toHaveLength(146);
    const examples = officialExamples(resourceTypes.filter((t) => !REQUIRED_TYPES.includes(t)));
    expect(examples.length).toBeGreaterThan(4_500);
    const rejected: Record<string, string[]> = {};
    for (const { file, json } of examples) {
      const issues = issuesOf(json);
      if (issues.length) rejected[file] = issues;
    }
    expect(Object.keys(rejected).sort()).toEqual(Object.keys(ERRATA).sort());
    for (const [file, issue] of Object.entries(ERRATA)) expect(rejected[file]).toContain(issue);
  }, 120_000);
});
