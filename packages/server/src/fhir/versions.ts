import type { AnyResource } from '@mekong/fhir';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/http-error.js';

/** The weak ETag of a version: `W/"3"`. */
export function etagOf(versionId: string): string {
  return `W/"${versionId}"`;
}

/** An HTTP date (RFC 9110) from a FHIR instant. */
export function httpDate(instant: string): string {
  return new Date(instant).toUTCString();
}

/** The version a client names in If-Match (`W/"3"` or `"3"`), or undefined when it sent none. */
export function ifMatchVersion(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"([1-9]\d{0,17})"\s*$/.exec(header);
  if (!match) {
    throw new HttpError({
      status: 400,
      message: `If-Match '${header}' is not a version ETag`,
      hint: 'send the ETag the server gave you, such as W/"3"',
    });
  }
  return match[1];
}

/** The versions a client already has (If-None-Match), for a 304 on read. */
export function ifNoneMatchVersions(request: FastifyRequest): string[] {
  const header = request.headers['if-none-match'];
  if (!header) return [];
  return [...header.matchAll(/(?:W\/)?"([^"]*)"/g)].map((m) => m[1] as string);
}

/** ETag and Last-Modified of a stored resource. */
export function versionHeaders(resource: AnyResource): Record<string, string> {
  const { versionId, lastUpdated } = resource.meta ?? {};
  return {
    ...(versionId ? { etag: etagOf(versionId) } : {}),
    ...(lastUpdated ? { 'last-modified': httpDate(lastUpdated) } : {}),
  };
}
