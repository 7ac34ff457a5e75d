import type { AnyResource } from '@mekong/fhir';
import type { FhirResult } from './fhir-handler.js';
import type { Links } from './links.js';
import { versionHeaders } from './versions.js';

/** The answer to a write: the resource with its ETag, Last-Modified and (for creates) Location. */
export function written(links: Links, resource: AnyResource, status: 200 | 201, verb: string): FhirResult {
  const reference = `${resource.resourceType}/${resource.id}`;
  const versionId = resource.meta?.versionId;
  const location = `${links.fhirBase()}/${reference}${versionId ? `/_history/${versionId}` : ''}`;
  return {
    status,
    resource,
    headers: { ...versionHeaders(resource), location },
    write: { summary: `${verb} ${reference}${versionId ? ` (version ${versionId})` : ''}` },
  };
}
