import { type AnyResource, type ResourceType, resourceTypes } from '@mekong/fhir';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/http-error.js';

const TYPES: ReadonlySet<string> = new Set(resourceTypes);
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Parameters the server itself handles: never passed to the store's search. */
const SERVER_PARAMETERS = new Set(['_format', '_pretty']);

/** A resource type from the path; 404 when FHIR R4 has no such type. */
export function resourceTypeParam(value: string | undefined): ResourceType {
  if (value === undefined || !TYPES.has(value)) {
    throw new HttpError({
      status: 404,
      code: 'not-supported',
      message: `'${value}' is not a FHIR R4 resource type this server supports`,
      hint: 'check the spelling and case (Patient, Observation); /fhir/R4/metadata lists the types',
    });
  }
  return value as ResourceType;
}

/** A logical id from the path; 400 when it is not a FHIR id (and 404 for an operation that is not installed). */
export function idParam(type: string, value: string | undefined): string {
  if (value?.startsWith('$')) {
    throw new HttpError({
      status: 404,
      code: 'not-supported',
      message: `the operation ${value} is not available on ${type}`,
      hint: 'the CapabilityStatement (/fhir/R4/metadata) lists the operations this server has',
    });
  }
  if (value === undefined || !ID.test(value)) {
    throw new HttpError({
      status: 400,
      message: `'${value}' is not a valid id: ids are 1 to 64 letters, digits, '-' and '.'`,
      hint: 'check the id in the URL',
    });
  }
  return value;
}

/** The body as a resource of the type in the URL; 400 when it is not one. */
export function resourceBody(type: string, body: unknown): AnyResource {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError({
      status: 400,
      message: `the body must be a ${type} resource (a JSON object)`,
      hint: `send a ${type} as application/fhir+json`,
    });
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType !== type) {
    throw new HttpError({
      status: 400,
      message: `the body is a ${typeof resourceType === 'string' ? resourceType : 'resource without a resourceType'}, but the URL is for ${type}`,
      hint: `send a ${type}, or post to /fhir/R4/${typeof resourceType === 'string' ? resourceType : '<type>'}`,
      expression: ['resourceType'],
    });
  }
  return body as AnyResource;
}

/** The query string of a request as search parameters, in order, without the server's own (`_format`). */
export function queryOf(request: Pick<FastifyRequest, 'url'>): URLSearchParams {
  const query = new URL(request.url, 'http://x').searchParams;
  for (const name of SERVER_PARAMETERS) query.delete(name);
  return query;
}

/** Refuses a `_count` above the server's maximum before the store runs anything. */
export function checkCount(query: URLSearchParams, maxCount: number): void {
  for (const value of query.getAll('_count')) {
    const count = Number(value);
    if (!Number.isInteger(count) || count < 1 || count > maxCount) {
      throw new HttpError({
        status: 400,
        code: 'too-costly',
        message: `_count must be a whole number from 1 to ${maxCount}, found '${value}'`,
        hint: `ask for at most ${maxCount} per page and follow the Bundle's next link`,
        expression: ['_count'],
      });
    }
  }
}
