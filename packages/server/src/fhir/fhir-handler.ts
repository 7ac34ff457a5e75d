import type { AnyResource } from '@mekong/fhir';
import type { StoreAccess } from '@mekong/store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { storeFor } from '../http/caller-store.js';
import { operationOutcome } from '../http/operation-outcome.js';
import { type CallerContext, requirePrincipal } from '../http/request-context.js';
import type { ServerLimits } from '../plugin/server-config.js';
import type { Links } from './links.js';
import { type FhirMediaType, responseMediaType } from './media-type.js';
import { preferReturn } from './prefer.js';

/** What the FHIR routes need. */
export interface FhirDeps {
  readonly access: StoreAccess;
  readonly links: Links;
  readonly limits: ServerLimits;
}

/** One FHIR request: the caller, a store acting for it, and the request. */
export interface FhirCall extends CallerContext {
  readonly request: FastifyRequest;
  readonly params: Readonly<Record<string, string>>;
}

/** What a FHIR interaction answers. */
export interface FhirResult {
  readonly status: number;
  readonly resource?: AnyResource;
  readonly headers?: Readonly<Record<string, string>>;
  /** A write: the body follows `Prefer: return=`; `summary` is the text of the OperationOutcome it may ask for. */
  readonly write?: { readonly summary: string };
}

/** A FHIR interaction. */
export type FhirHandler = (call: FhirCall) => Promise<FhirResult>;

/** Wraps an interaction as a Fastify handler: format negotiation, the caller's store, and the FHIR reply. */
export function fhirHandler(deps: FhirDeps, handler: FhirHandler) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const mediaType = responseMediaType(request);
    const principal = requirePrincipal(request);
    const store = storeFor(deps.access, request, principal);
    const result = await handler({ request, principal, store, params: request.params as Record<string, string> });
    return sendFhir(request, reply, result, mediaType);
  };
}

/** Sends a FHIR result: status, headers and the body the client prefers. */
export function sendFhir(request: FastifyRequest, reply: FastifyReply, result: FhirResult, mediaType: FhirMediaType) {
  reply.code(result.status).headers(result.headers ?? {});
  let body: AnyResource | undefined = result.resource;
  if (result.write) {
    const prefer = preferReturn(request);
    if (prefer === 'minimal') body = undefined;
    else if (prefer === 'OperationOutcome') {
      body = operationOutcome([{ severity: 'information', code: 'informational', diagnostics: result.write.summary }]);
    }
  }
  if (body === undefined) return reply.send();
  if (result.status === 204) reply.code(200); // a body was asked for: 204 cannot carry one
  return reply.type(`${mediaType}; charset=utf-8`).send(JSON.stringify(body));
}
