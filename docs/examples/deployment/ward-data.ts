import type { AnyResource, Bundle, Observation } from '@mekong/fhir';

const vitalSign = (id: string, code: string, value: number, unit: string, at: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/lan' },
  category: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
  ],
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: at,
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

const resources: AnyResource[] = [
  {
    resourceType: 'Patient',
    id: 'lan',
    name: [{ family: 'Trần', given: ['Thị', 'Lan'] }],
    telecom: [{ system: 'phone', value: '0912345678' }],
    address: [{ city: 'Hà Nội' }],
  },
  { resourceType: 'Patient', id: 'minh', name: [{ family: 'Lê', given: ['Văn', 'Minh'] }] },
  {
    resourceType: 'Condition',
    id: 'lan-hypertension',
    subject: { reference: 'Patient/lan' },
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'I10' }], text: 'Hypertension' },
  },
  vitalSign('lan-hr-1', '8867-4', 88, '/min', '2026-03-01T08:00:00+07:00'),
  vitalSign('lan-hr-2', '8867-4', 76, '/min', '2026-03-02T08:00:00+07:00'),
  vitalSign('lan-temp-1', '8310-5', 37.9, 'Cel', '2026-03-01T08:00:00+07:00'),
];

/** Two patients of a ward, one with a condition and vital signs, as a transaction of PUTs (fixed ids). */
export const wardData: Bundle = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: resources.map((resource) => ({
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  })),
};
