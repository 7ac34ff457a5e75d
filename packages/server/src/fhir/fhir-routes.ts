import type { CapabilityStatement } from '@mekong/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { HttpError } from '../http/http-error.js';
import { fhirDocs } from '../openapi/fhir-docs.js';
import { type FhirDeps, type FhirHandler, fhirHandler, sendFhir } from './fhir-handler.js';
import { idParam } from './fhir-params.js';
import { bundle } from './interactions/bundle.js';
import { create } from './interactions/create.js';
import { remove } from './interactions/delete.js';
import { instanceHistory, typeHistory } from './interactions/history.js';
import { patch } from './interactions/patch.js';
import { read, vread } from './interactions/read.js';
import { searchByGet, searchByPost } from './interactions/search.js';
import { conditionalUpdate, update } from './interactions/update.js';
import { FHIR_PATH } from './links.js';
import { responseMediaType } from './media-type.js';

const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The FHIR REST API under `/fhir/R4`; every other method on its paths answers 405. */
export function registerFhirRoutes(app: FastifyInstance, deps: FhirDeps, metadata: () => CapabilityStatement): void {
  const served = new Map<string, Set<string>>();
  const route = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    schema: object,
    handler: FhirHandler,
  ) => {
    const url = `${FHIR_PATH}${path}`;
    app.route({ method, url, schema, handler: fhirHandler(deps, handler) });
    served.set(url, (served.get(url) ?? new Set()).add(method));
  };

  app.get(`${FHIR_PATH}/metadata`, { schema: fhirDocs.metadata }, (request: FastifyRequest, reply: FastifyReply) =>
    sendFhir(request, reply, { status: 200, resource: metadata() }, responseMediaType(request)),
  );
  served.set(`${FHIR_PATH}/metadata`, new Set(['GET']));
  route('POST', '', fhirDocs.bundle, bundle(deps));
  route('GET', '/:type', fhirDocs.search, searchByGet(deps));
  route('POST', '/:type', fhirDocs.create, create(deps));
  route('PUT', '/:type', fhirDocs.conditionalUpdate, conditionalUpdate(deps));
  route('POST', '/:type/_search', fhirDocs.searchPost, searchByPost(deps));
  route('GET', '/:type/_history', fhirDocs.typeHistory, typeHistory(deps));
  route('GET', '/:type/:id', fhirDocs.read, read);
  route('PUT', '/:type/:id', fhirDocs.update, update(deps));
  route('PATCH', '/:type/:id', fhirDocs.patch, patch(deps));
  route('DELETE', '/:type/:id', fhirDocs.delete, remove);
  route('GET', '/:type/:id/_history', fhirDocs.history, instanceHistory(deps));
  route('GET', '/:type/:id/_history/:vid', fhirDocs.vread, vread);

  for (const [url, methods] of served) {
    const others = METHODS.filter((method) => !methods.has(method));
    app.route({
      method: others,
      url,
      schema: { hide: true },
      handler: (request: FastifyRequest) => {
        const { type, id } = request.params as { type?: string; id?: string };
        if (id?.startsWith('$')) idParam(type ?? '', id); // an operation that is not installed: 404
        throw new HttpError({
          status: 405,
          message: `${request.method} is not supported on ${url.slice(FHIR_PATH.length) || '/'}`,
          hint: `use ${[...methods].join(', ')}${url.endsWith('/:type') && request.method === 'DELETE' ? ' (conditional delete is not supported)' : ''}`,
          headers: { allow: [...methods].join(', ') },
        });
      },
    });
  }
}
