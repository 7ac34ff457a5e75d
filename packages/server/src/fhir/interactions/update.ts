import { VersionConflictError } from '@mekong/store';
import { HttpError } from '../../http/http-error.js';
import type { FhirCall, FhirDeps, FhirResult } from '../fhir-handler.js';
import { idParam, queryOf, resourceBody, resourceTypeParam } from '../fhir-params.js';
import { ifMatchVersion } from '../versions.js';
import { written } from '../written.js';
import { conditionCriteria } from './criteria.js';

/**
 * update: `PUT [type]/[id]`; creates the resource when it does not exist (201). With If-Match, 412 unless the
 * version is still the current one; without, a concurrent write that wins the race makes this one a 409.
 */
export function update(deps: FhirDeps) {
  return async ({ store, params, request }: FhirCall): Promise<FhirResult> => {
    const type = resourceTypeParam(params.type);
    const id = idParam(type, params.id);
    const resource = resourceBody(type, request.body);
    if (resource.id !== id) {
      throw new HttpError({
        status: 400,
        message:
          resource.id === undefined
            ? `the ${type} has no id: an update must carry the id of the URL (${id})`
            : `the ${type} has id '${resource.id}' but the URL names '${id}'`,
        hint: `set ${type}.id to '${id}'`,
        expression: [`${type}.id`],
      });
    }
    const ifMatch = ifMatchVersion(request);
    try {
      const stored = await store.update(resource, ifMatch === undefined ? {} : { ifMatch });
      return written(
        deps.links,
        stored,
        stored.meta.versionId === '1' ? 201 : 200,
        stored.meta.versionId === '1' ? 'created' : 'updated',
      );
    } catch (error) {
      if (error instanceof VersionConflictError && ifMatch === undefined) {
        throw new HttpError({
          status: 409,
          message: error.message,
          hint: 'another write to this resource happened at the same time: read it and try again',
        });
      }
      throw error;
    }
  };
}

/** Conditional update: `PUT [type]?criteria`: updates the one match, creates when none, 412 when several. */
export function conditionalUpdate(deps: FhirDeps) {
  return async ({ store, params, request }: FhirCall): Promise<FhirResult> => {
    const type = resourceTypeParam(params.type);
    const resource = resourceBody(type, request.body);
    const criteria = conditionCriteria(queryOf(request).toString(), 'the conditional update', deps);
    const result = await store.updateWhere(resource, criteria);
    return result.outcome === 'created'
      ? written(deps.links, result.resource, 201, 'created')
      : written(deps.links, result.resource, 200, 'updated');
  };
}
