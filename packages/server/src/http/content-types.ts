import type { FastifyInstance } from 'fastify';
import { jsonDepthExceeds } from '../limits/json-depth.js';
import { HttpError } from './http-error.js';

/** Media types whose bodies are JSON. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/fhir+json', 'application/json-patch+json'] as const;

/**
 * Body parsers: JSON (FHIR, plain and JSON Patch), refused when nested deeper than `maxDepth`, and forms (for
 * search by POST). Any other media type is answered with 415 by Fastify.
 */
export function registerContentTypes(app: FastifyInstance, options: { maxDepth: number }): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...JSON_MEDIA_TYPES], { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(new HttpError({ status: 400, message: 'the body is empty', hint: 'send a JSON body' }), undefined);
      return;
    }
    if (jsonDepthExceeds(text, options.maxDepth)) {
      done(
        new HttpError({
          status: 400,
          code: 'too-costly',
          message: `the JSON body is nested more than ${options.maxDepth} levels deep`,
          hint: 'FHIR resources do not nest that deep: check what produced this body',
        }),
        undefined,
      );
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new HttpError({
          status: 400,
          code: 'structure',
          message: `the body is not valid JSON: ${(error as Error).message}`,
          hint: 'send a JSON document',
        }),
        undefined,
      );
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
}
