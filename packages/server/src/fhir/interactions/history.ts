import type { Bundle, BundleEntry } from '@mekong/fhir';
import type { ResourceVersion } from '@mekong/store';
import { HttpError } from '../../http/http-error.js';
import type { FhirCall, FhirDeps, FhirResult } from '../fhir-handler.js';
import { checkCount, idParam, queryOf, resourceTypeParam } from '../fhir-params.js';
import type { Links } from '../links.js';
import { etagOf } from '../versions.js';

const HISTORY_PARAMETERS = new Set(['_count', '_since']);
const DEFAULT_COUNT = 100;

/** history (instance): `GET [type]/[id]/_history`, newest first, with `_since` and `_count`. */
export function instanceHistory(deps: FhirDeps) {
  return async ({ store, params, request }: FhirCall): Promise<FhirResult> => {
    const type = resourceTypeParam(params.type);
    const id = idParam(type, params.id);
    const { since, count, query } = historyQuery(request.url, deps);
    const versions = (await store.history(type, id)).filter((v) => !since || new Date(v.lastUpdated) >= since);
    const path = `${type}/${id}/_history`;
    return { status: 200, resource: historyBundle(deps.links, versions.slice(0, count), path, query) };
  };
}

/** history (type): `GET [type]/_history`, newest first, with `_since` and `_count`. */
export function typeHistory(deps: FhirDeps) {
  return async ({ store, params, request }: FhirCall): Promise<FhirResult> => {
    const type = resourceTypeParam(params.type);
    const { since, count, query } = historyQuery(request.url, deps);
    const versions = await store.typeHistory(type, { count, ...(since ? { since } : {}) });
    return { status: 200, resource: historyBundle(deps.links, versions, `${type}/_history`, query) };
  };
}

function historyQuery(url: string, deps: FhirDeps): { since?: Date; count: number; query: URLSearchParams } {
  const query = queryOf({ url });
  for (const name of query.keys()) {
    if (!HISTORY_PARAMETERS.has(name)) {
      throw new HttpError({
        status: 400,
        message: `history does not support the parameter '${name}'`,
        hint: 'use _since and _count',
        expression: [name],
      });
    }
  }
  checkCount(query, deps.limits.maxCount);
  const count = Number(query.get('_count') ?? Math.min(DEFAULT_COUNT, deps.limits.maxCount));
  const sinceText = query.get('_since');
  if (sinceText === null) return { count, query };
  const since = new Date(sinceText);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(sinceText) ||
    Number.isNaN(since.getTime())
  ) {
    throw new HttpError({
      status: 400,
      message: `_since must be an instant with a time zone, found '${sinceText}'`,
      hint: 'send _since=2025-01-31T00:00:00Z',
      expression: ['_since'],
    });
  }
  return { since, count, query };
}

function historyBundle(
  links: Links,
  versions: readonly ResourceVersion[],
  path: string,
  query: URLSearchParams,
): Bundle {
  const queryText = query.toString();
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: versions.length,
    link: [{ relation: 'self', url: `${links.fhirBase()}/${path}${queryText ? `?${queryText}` : ''}` }],
    entry: versions.map((version) => historyEntry(links, version)),
  };
}

function historyEntry(links: Links, version: ResourceVersion): BundleEntry {
  const { resource } = version;
  const reference = `${resource.resourceType}/${resource.id}`;
  const method = version.deleted ? 'DELETE' : version.versionId === '1' ? 'POST' : 'PUT';
  return {
    fullUrl: `${links.fhirBase()}/${reference}`,
    ...(version.deleted ? {} : { resource }),
    request: { method, url: method === 'POST' ? resource.resourceType : reference },
    response: {
      status: version.deleted ? '204' : version.versionId === '1' ? '201' : '200',
      etag: etagOf(version.versionId),
      lastModified: version.lastUpdated,
    },
  };
}
