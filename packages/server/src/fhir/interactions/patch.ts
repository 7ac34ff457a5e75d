import { InvalidResourceError } from '@mekong/store';
import { HttpError } from '../../http/http-error.js';
import type { FhirCall, FhirDeps, FhirResult } from '../fhir-handler.js';
import { idParam, resourceTypeParam } from '../fhir-params.js';
import { ifMatchVersion } from '../versions.js';
import { written } from '../written.js';

/**
 * patch: `PATCH [type]/[id]` with a JSON Patch (application/json-patch+json). A patch that cannot be applied
 * is a 400; one that applies but leaves an invalid resource is a 422.
 */
export function patch(deps: FhirDeps) {
  return async ({ store, params, request }: FhirCall): Promise<FhirResult> => {
    const type = resourceTypeParam(params.type);
    const id = idParam(type, params.id);
    const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json-patch+json') {
      throw new HttpError({
        status: 415,
        message: `PATCH takes a JSON Patch (application/json-patch+json), not ${mediaType ?? 'a body without Content-Type'}`,
        hint: 'send RFC 6902 operations as application/json-patch+json; FHIRPath Patch is not supported',
      });
    }
    const ifMatch = ifMatchVersion(request);
    try {
      const stored = await store.patch(type, id, request.body, ifMatch === undefined ? {} : { ifMatch });
      return written(deps.links, stored, 200, 'patched');
    } catch (error) {
      if (error instanceof InvalidResourceError && !error.issues.every((issue) => issue.path.startsWith('Patch'))) {
        throw new HttpError({
          status: 422,
          message: `the patch applies, but the ${type} it leaves is invalid: ${error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          hint: 'change the patch so that the result is a valid resource',
          expression: error.issues.map((issue) => issue.path).filter(Boolean),
        });
      }
      throw error;
    }
  };
}
