import { HttpError } from '../../http/http-error.js';
import type { FhirCall, FhirDeps, FhirResult } from '../fhir-handler.js';
import { checkCount, queryOf, resourceTypeParam } from '../fhir-params.js';
import { withAbsoluteLinks } from '../links.js';

/** search: `GET [type]?params`; paging links are absolute URLs of this server. */
export function searchByGet(deps: FhirDeps) {
  return ({ store, params, request }: FhirCall): Promise<FhirResult> =>
    search(deps, { store, params, request } as FhirCall, queryOf(request));
}

/** search: `POST [type]/_search` with a form body (and any query string parameters). */
export function searchByPost(deps: FhirDeps) {
  return (call: FhirCall): Promise<FhirResult> => {
    const query = queryOf(call.request);
    const body = call.request.body;
    if (body !== undefined && !(body instanceof URLSearchParams)) {
      throw new HttpError({
        status: 415,
        message: 'search by POST takes a form body (application/x-www-form-urlencoded)',
        hint: 'send the parameters as name=value&name=value, or search by GET',
      });
    }
    if (body instanceof URLSearchParams)
      for (const [name, value] of body) if (name !== '_format') query.append(name, value);
    return search(deps, call, query);
  };
}

async function search(deps: FhirDeps, { store, params }: FhirCall, query: URLSearchParams): Promise<FhirResult> {
  const type = resourceTypeParam(params.type);
  checkCount(query, deps.limits.maxCount);
  const bundle = await store.search(type, query);
  return { status: 200, resource: withAbsoluteLinks(bundle, deps.links) };
}
