import type { AnyResource } from '@mekong/fhir';

// Elements that point at the patient a resource is about, across the clinical and financial resources.
const PATIENT_ELEMENTS = ['patient', 'subject', 'beneficiary', 'for'] as const;

/** `Patient/id` of the patient whose data a resource is, when it says so. */
export function patientOf(resource: AnyResource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : undefined;
  for (const element of PATIENT_ELEMENTS) {
    const reference = (resource as unknown as Record<string, { reference?: unknown } | undefined>)[element]?.reference;
    if (typeof reference === 'string' && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) return reference;
  }
  return undefined;
}
