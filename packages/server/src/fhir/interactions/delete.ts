import type { FhirCall, FhirResult } from '../fhir-handler.js';
import { idParam, resourceTypeParam } from '../fhir-params.js';

/** delete: `DELETE [type]/[id]`: 204 (200 with an OperationOutcome when asked with Prefer); history stays. */
export async function remove({ store, params }: FhirCall): Promise<FhirResult> {
  const type = resourceTypeParam(params.type);
  const id = idParam(type, params.id);
  await store.delete(type, id);
  return { status: 204, write: { summary: `deleted ${type}/${id}` } };
}
