import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/http-error.js';

/** The JSON media types the server answers FHIR requests with. */
export type FhirMediaType = 'application/fhir+json' | 'application/json';

const FORMATS: Record<string, FhirMediaType> = {
  json: 'application/fhir+json',
  'application/fhir+json': 'application/fhir+json',
  'application/json': 'application/json',
  'application/json+fhir': 'application/fhir+json',
};

/**
 * The media type to answer with: `_format` when given, else the Accept header (`application/json` when the
 * client asks for it, FHIR JSON otherwise). Only JSON is served: asking for XML or Turtle gets a 406.
 */
export function responseMediaType(request: FastifyRequest): FhirMediaType {
  const format = new URL(request.url, 'http://x').searchParams.get('_format');
  if (format !== null) {
    const chosen = FORMATS[format.split(';')[0]?.trim().toLowerCase() ?? ''];
    if (!chosen) {
      throw new HttpError({
        status: 406,
        message: `_format '${format}' is not supported: this server speaks JSON only`,
        hint: 'use _format=json, or leave _format out',
        expression: ['_format'],
      });
    }
    return chosen;
  }
  const accept = request.headers.accept;
  if (!accept) return 'application/fhir+json';
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  if (
    types.some(
      (t) => t === 'application/fhir+json' || t === 'application/json+fhir' || t === '*/*' || t === 'application/*',
    )
  ) {
    return 'application/fhir+json';
  }
  if (types.includes('application/json')) return 'application/json';
  throw new HttpError({
    status: 406,
    message: `none of the media types accepted (${accept}) can be served: this server speaks JSON only`,
    hint: 'accept application/fhir+json or application/json',
  });
}
