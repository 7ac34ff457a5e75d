import { resourceTypes } from '@mekong/fhir';

const TAG = 'FHIR R4';
const security = [{ bearer: [] }];
const type = { type: 'string', enum: [...resourceTypes], description: 'A FHIR R4 resource type' };
const id = { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$', description: 'The logical id' };
const vid = { type: 'string', pattern: '^[1-9][0-9]*$', description: 'The version id' };
const resource = { type: 'object', description: 'A FHIR resource (application/fhir+json)', additionalProperties: true };

function params(properties: Record<string, unknown>) {
  return { type: 'object', properties, required: Object.keys(properties) };
}

/** OpenAPI descriptions of the FHIR REST routes (documentation only: the store validates resources). */
export const fhirDocs = {
  metadata: { tags: [TAG], summary: 'CapabilityStatement of this server (no authentication needed)' },
  bundle: { tags: [TAG], summary: 'transaction or batch: post a Bundle', body: resource, security },
  search: {
    tags: [TAG],
    summary: 'search: the store answers the parameters the CapabilityStatement lists',
    params: params({ type }),
    querystring: { type: 'object', additionalProperties: { type: 'string' } },
    security,
  },
  searchPost: {
    tags: [TAG],
    summary: 'search with a form body (application/x-www-form-urlencoded)',
    params: params({ type }),
    security,
  },
  create: {
    tags: [TAG],
    summary: 'create (conditional with If-None-Exist)',
    params: params({ type }),
    body: resource,
    security,
  },
  conditionalUpdate: {
    tags: [TAG],
    summary: 'conditional update: PUT with search criteria',
    params: params({ type }),
    body: resource,
    security,
  },
  typeHistory: {
    tags: [TAG],
    summary: 'history of every resource of a type (_since, _count)',
    params: params({ type }),
    security,
  },
  read: { tags: [TAG], summary: 'read the current version', params: params({ type, id }), security },
  update: {
    tags: [TAG],
    summary: 'update (If-Match for optimistic locking); creates when absent',
    params: params({ type, id }),
    body: resource,
    security,
  },
  patch: {
    tags: [TAG],
    summary: 'JSON Patch (application/json-patch+json)',
    params: params({ type, id }),
    body: { type: 'array', items: { type: 'object' } },
    security,
  },
  delete: { tags: [TAG], summary: 'delete (history stays)', params: params({ type, id }), security },
  history: { tags: [TAG], summary: 'history of one resource (_since, _count)', params: params({ type, id }), security },
  vread: { tags: [TAG], summary: 'read one version', params: params({ type, id, vid }), security },
} as const;
