import type { FhirCall, FhirResult } from '../fhir-handler.js';
import { idParam, resourceTypeParam } from '../fhir-params.js';
import { ifNoneMatchVersions, versionHeaders } from '../versions.js';

/** read: `GET [type]/[id]`; 304 when the client's If-None-Match names the current version. */
export async function read({ store, params, request }: FhirCall): Promise<FhirResult> {
  const type = resourceTypeParam(params.type);
  const resource = await store.read(type, idParam(type, params.id));
  const headers = versionHeaders(resource);
  const versionId = resource.meta?.versionId;
  if (versionId && ifNoneMatchVersions(request).includes(versionId)) return { status: 304, headers };
  return { status: 200, resource, headers };
}

/** vread: `GET [type]/[id]/_history/[vid]`. */
export async function vread({ store, params }: FhirCall): Promise<FhirResult> {
  const type = resourceTypeParam(params.type);
  const resource = await store.vread(type, idParam(type, params.id), params.vid ?? '');
  return { status: 200, resource, headers: versionHeaders(resource) };
}
