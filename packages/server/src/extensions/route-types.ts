import type { IncomingHttpHeaders } from 'node:http';
import type { Interaction, ScopedStore } from '@mekong/store';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { z } from 'zod';
import type { Principal } from '../auth/index.js';

/** HTTP methods a plugin route may use. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** zod schemas of a route's inputs (validated before the handler runs, 400 when they fail) and of its output (documented). */
export interface RouteSchemas {
  readonly params?: z.ZodType;
  readonly querystring?: z.ZodType;
  readonly body?: z.ZodType;
  /** The 200 response, for the OpenAPI document. */
  readonly response?: z.ZodType;
}

/** The parsed type of one input of a route: its schema's output, or undefined without a schema. */
export type ParsedInput<S extends RouteSchemas, K extends keyof RouteSchemas> = S[K] extends z.ZodType
  ? z.output<S[K]>
  : undefined;

/**
 * What a route needs of its caller beyond being authenticated: to be an administrator, and/or to be allowed
 * interactions on resource types (checked against the caller's policy before the handler runs: 403 otherwise).
 */
export interface RouteRequirements {
  readonly admin?: boolean;
  readonly resources?: readonly { readonly type: string; readonly interactions: readonly Interaction[] }[];
}

/** What a route handler receives. */
export interface RouteContext<S extends RouteSchemas = RouteSchemas> {
  readonly params: ParsedInput<S, 'params'>;
  readonly query: ParsedInput<S, 'querystring'>;
  readonly body: ParsedInput<S, 'body'>;
  readonly headers: IncomingHttpHeaders;
  /** Who is calling. */
  readonly principal: Principal;
  /**
   * The store acting for the caller, narrowed to the resource types the plugin's manifest declares, every
   * access audited under the caller and the plugin.
   */
  readonly store: ScopedStore;
  /** The request's logger. */
  readonly log: Logger;
  /** The server's base URL, for absolute links. */
  readonly baseUrl: string;
}

/** A response with a status other than 200, or with headers. Build it with {@link routeResponse}. */
export interface RouteResponse {
  readonly $$type: '@mekong/RouteResponse';
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A response with a status and headers, for a route handler to return. */
export function routeResponse(options: {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}): RouteResponse {
  return { $$type: '@mekong/RouteResponse', ...options };
}

/**
 * An HTTP route contributed by a plugin. The path must lie under a prefix the plugin declares in
 * `capabilities.routes`. The handler returns the JSON body of a 200 (or a {@link RouteResponse}), or throws an
 * `HttpError` or a store error, which the caller receives as an OperationOutcome.
 */
export interface ServerRoute<S extends RouteSchemas = RouteSchemas> {
  readonly method: RouteMethod;
  /** The full path, with Fastify parameters: `/triage/queue/:id`. */
  readonly path: string;
  /** One line for the API reference. */
  readonly summary?: string;
  readonly description?: string;
  readonly schemas?: S;
  readonly requires?: RouteRequirements;
  handler(context: RouteContext<S>): unknown;
}

/**
 * Defines a route with its handler's inputs typed from its schemas.
 *
 * @example
 * ```ts
 * const queue = defineRoute({
 *   method: 'GET',
 *   path: '/triage/queue/:room',
 *   schemas: { params: z.object({ room: z.string() }) },
 *   requires: { resources: [{ type: 'Encounter', interactions: ['search'] }] },
 *   handler: ({ params, store }) => store.search('Encounter', { location: params.room }),
 * });
 * ```
 */
export function defineRoute<S extends RouteSchemas>(route: ServerRoute<S>): ServerRoute {
  return route as unknown as ServerRoute;
}
