import type { FhirCall, FhirDeps, FhirResult } from '../fhir-handler.js';
import { resourceBody, resourceTypeParam } from '../fhir-params.js';
import { written } from '../written.js';
import { conditionCriteria } from './criteria.js';

/**
 * create: `POST [type]`, 201 with Location. With If-None-Exist (conditional create): 200 and the existing
 * resource when one matches, 412 when several do.
 */
export function create(deps: FhirDeps) {
  return async ({ store, params, request }: FhirCall): Promise<FhirResult> => {
    const type = resourceTypeParam(params.type);
    const resource = resourceBody(type, request.body);
    const ifNoneExist = request.headers['if-none-exist'];
    if (typeof ifNoneExist === 'string') {
      const result = await store.createIfNoneExist(resource, conditionCriteria(ifNoneExist, 'If-None-Exist', deps));
      return result.outcome === 'created'
        ? written(deps.links, result.resource, 201, 'created')
        : written(deps.links, result.resource, 200, 'found existing');
    }
    return written(deps.links, await store.create(resource), 201, 'created');
  };
}
