import { HttpError } from '../../http/http-error.js';
import type { FhirDeps } from '../fhir-handler.js';
import { checkCount } from '../fhir-params.js';

/** The search criteria of a conditional write (If-None-Exist, or a conditional update's query). */
export function conditionCriteria(text: string, where: string, deps: FhirDeps): URLSearchParams {
  const criteria = new URLSearchParams(text.replace(/^[^?]*\?/, ''));
  criteria.delete('_format');
  if ([...criteria.keys()].length === 0) {
    throw new HttpError({
      status: 400,
      message: `${where} has no search criteria`,
      hint: 'give criteria that select one resource, such as identifier=system|value',
    });
  }
  checkCount(criteria, deps.limits.maxCount);
  return criteria;
}
