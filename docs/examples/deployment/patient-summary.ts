import type { Observation } from '@mekong/fhir';
import { definePlugin } from '@mekong/kernel';
import { defineOperation, defineRoute, fhirOperationsExtensionPoint, serverRoutesExtensionPoint } from '@mekong/server';
import { z } from 'zod';

const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id');
const vitalSign = z.object({ code: z.string(), value: z.number(), unit: z.string(), at: z.string() });

// The latest vital signs of a patient, as a ward screen shows them: a plain JSON route.
const latestVitals = defineRoute({
  method: 'GET',
  path: '/patient-summary/:id/vitals',
  summary: 'The latest value of each vital sign of a patient',
  schemas: {
    params: z.object({ id: fhirId }),
    response: z.object({ patient: z.string(), vitals: z.array(vitalSign) }),
  },
  requires: { resources: [{ type: 'Observation', interactions: ['search'] }] },
  handler: async ({ params, store }) => {
    const found = await store.search('Observation', {
      patient: `Patient/${params.id}`,
      category: 'vital-signs',
      _sort: '-date',
      _count: '100',
    });
    const latest = new Map<string, z.infer<typeof vitalSign>>();
    for (const { resource } of found.entry ?? []) {
      const { code, valueQuantity, effectiveDateTime } = resource as Observation;
      const loinc = code.coding?.[0]?.code;
      if (loinc && valueQuantity?.value !== undefined && !latest.has(loinc)) {
        latest.set(loinc, {
          code: loinc,
          value: valueQuantity.value,
          unit: valueQuantity.unit ?? '',
          at: effectiveDateTime ?? '',
        });
      }
    }
    return { patient: `Patient/${params.id}`, vitals: [...latest.values()] };
  },
});

// Patient/{id}/$summary: the patient, active conditions and the latest observations, as one Bundle.
const summary = defineOperation({
  name: '$summary',
  levels: ['instance'],
  resourceTypes: ['Patient'],
  summary: 'A short summary of a patient',
  parameters: z.object({ observations: z.coerce.number().int().min(1).max(50).default(5) }),
  handler: async ({ id, params, store, fhirBase }) => {
    const patient = await store.read('Patient', id as string); // an instance-level call always has an id
    const conditions = await store.search('Condition', {
      patient: `Patient/${patient.id}`,
      'clinical-status': 'active',
    });
    const observations = await store.search('Observation', {
      patient: `Patient/${patient.id}`,
      _sort: '-date',
      _count: String(params.observations),
    });
    const resources = [
      patient,
      ...[conditions, observations].flatMap((b) => (b.entry ?? []).flatMap((e) => e.resource ?? [])),
    ];
    return {
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({
        fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`,
        resource,
      })),
    };
  },
});

/**
 * Patient summaries: a route for ward screens and the FHIR operation Patient/{id}/$summary. Both read through
 * the caller's store, so the caller's role and the types declared here both bound what they see.
 */
export const patientSummaryPlugin = definePlugin({
  id: 'patient-summary',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Patient summaries for ward screens and other systems',
  dependencies: { server: '^0.1.0' },
  capabilities: {
    routes: ['/patient-summary'],
    resources: { read: ['Patient', 'Condition', 'Observation'], write: [] },
  },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, { value: [latestVitals] });
    env.contribute(fhirOperationsExtensionPoint, { value: [summary] });
  },
});
