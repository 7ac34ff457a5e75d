import type { SearchParameterDefinition } from '@mekong/fhir';
import { parametersOf } from './search-parameters.js';

/**
 * The search parameters of a resource type that the store answers (beside `_id` and `_lastUpdated`): what a
 * server lists in its CapabilityStatement. Parameters it cannot index yet are left out.
 */
export function supportedSearchParameters(resourceType: string): SearchParameterDefinition[] {
  return [...parametersOf(resourceType).indexed.values()].map((parameter) => parameter.definition);
}
