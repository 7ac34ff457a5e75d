import type { Extension, PluginStatusService } from '@mekong/kernel';
import { MekongError } from '@mekong/kernel';
import type { StoreAccess } from '@mekong/store';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyBaseLogger as Logger } from 'fastify';
import type { ServerAudit } from '../audit/server-audit.js';
import type { Links } from '../fhir/links.js';
import { storeFor } from '../http/caller-store.js';
import { jsonSchemaOf } from '../openapi/json-schema.js';
import { checkPluginStarted } from './plugin-gate.js';
import { enforceRequirements } from './requirements.js';
import type { RouteResponse, ServerRoute } from './route-types.js';
import { validateInput } from './validate-input.js';

/**
 * Paths the server keeps for itself: no plugin may declare a route prefix among them. The server plugin declares
 * them as its own route prefixes, so a deployment's pre-flight refuses an overlap before anything starts.
 */
export const RESERVED_PREFIXES = ['/fhir', '/healthz', '/readyz', '/admin', '/docs', '/openapi.json'] as const;

/** A plugin route as mounted, for the CapabilityStatement and the OpenAPI filter. */
export interface MountedRoute {
  readonly pluginId: string;
  readonly method: string;
  readonly path: string;
  readonly summary?: string;
}

/** What mounting needs. */
export interface MountDeps {
  readonly access: StoreAccess;
  readonly status: PluginStatusService;
  readonly links: Links;
  /** Records refusals and operation calls in the store's audit trail. */
  readonly audit: ServerAudit;
}

const under = (path: string, prefix: string) => {
  const base = prefix.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`);
};

/**
 * Refuses a route outside the plugin's declared prefixes, or a prefix the server keeps, naming the plugin. In a
 * host with the server plugin, pre-flight has refused a kept prefix already; this is for `buildServer` used
 * without it (an application that embeds the server), where no pre-flight compares prefixes with the server's.
 */
function checkPath(pluginId: string, prefixes: readonly string[], route: ServerRoute): void {
  const reserved = prefixes.find((prefix) =>
    RESERVED_PREFIXES.some((kept) => under(prefix, kept) || under(kept, prefix)),
  );
  if (reserved !== undefined) {
    throw new MekongError({
      code: 'SERVER_ROUTE_PREFIX_RESERVED',
      pluginId,
      message: `declares the route prefix '${reserved}', which overlaps a path the server keeps (${RESERVED_PREFIXES.join(', ')})`,
      hint: `declare a prefix of its own in capabilities.routes, such as '/${pluginId}'; FHIR operations go to fhirOperationsExtensionPoint`,
    });
  }
  if (!prefixes.some((prefix) => under(route.path, prefix))) {
    throw new MekongError({
      code: 'SERVER_ROUTE_OUTSIDE_PREFIX',
      pluginId,
      message: `contributes the route ${route.method} ${route.path}, outside the route prefixes it declares (${prefixes.length > 0 ? prefixes.join(', ') : 'none'})`,
      hint: `add a prefix that covers '${route.path}' to capabilities.routes of plugin '${pluginId}', or move the route under one it declares`,
    });
  }
}

function isRouteResponse(value: unknown): value is RouteResponse {
  return (value as { $$type?: unknown } | null)?.$$type === '@mekong/RouteResponse';
}

function bodyInput(body: unknown): unknown {
  return body instanceof URLSearchParams ? Object.fromEntries(body) : body;
}

/**
 * Mounts the routes plugins contributed. Each answers only while its plugin is started, only for
 * authenticated callers that meet its requirements, with inputs validated by its schemas, and with a store
 * acting for the caller within the plugin's declared resource types.
 */
export function mountRoutes(
  app: FastifyInstance,
  contributions: readonly Extension<readonly ServerRoute[]>[],
  deps: MountDeps,
): MountedRoute[] {
  const mounted: MountedRoute[] = [];
  const owners = new Map<string, string>();
  for (const { pluginId, value: routes } of contributions) {
    const manifest = deps.status.manifest(pluginId);
    const prefixes = manifest?.capabilities.routes ?? [];
    const grant = manifest?.capabilities.resources ?? { read: [], write: [] };
    for (const route of routes) {
      checkPath(pluginId, prefixes, route);
      const key = `${route.method} ${route.path.replace(/:[^/]+/g, ':')}`;
      const owner = owners.get(key);
      if (owner !== undefined) {
        throw new MekongError({
          code: 'SERVER_ROUTE_DUPLICATE',
          pluginId,
          message: `contributes ${route.method} ${route.path}, which plugin '${owner}' already serves`,
          hint: 'give each route a path of its own plugin prefix',
        });
      }
      owners.set(key, pluginId);
      const what = `${route.method} ${route.path}`;
      const schemas = route.schemas ?? {};
      app.route({
        method: route.method,
        url: route.path,
        schema: {
          tags: [pluginId],
          ...(route.summary ? { summary: route.summary } : {}),
          ...(route.description ? { description: route.description } : {}),
          ...(schemas.params ? { params: jsonSchemaOf(schemas.params) } : {}),
          ...(schemas.querystring ? { querystring: jsonSchemaOf(schemas.querystring) } : {}),
          ...(schemas.body ? { body: jsonSchemaOf(schemas.body) } : {}),
          ...(schemas.response ? { response: { 200: jsonSchemaOf(schemas.response, 'output') } } : {}),
          security: [{ bearer: [] }],
        },
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          checkPluginStarted(deps.status, pluginId, what);
          const principal = await enforceRequirements(deps.audit, request, route.requires, what, pluginId);
          const params = validateInput(schemas.params, request.params, 'params');
          const query = validateInput(schemas.querystring, request.query, 'query');
          const body = validateInput(schemas.body, bodyInput(request.body), 'body');
          const result = await route.handler({
            params: params as never,
            query: query as never,
            body: body as never,
            headers: request.headers,
            principal,
            store: storeFor(deps.access, request, principal, { id: pluginId, grant }),
            log: request.log as Logger,
            baseUrl: deps.links.base(),
          });
          if (isRouteResponse(result)) {
            reply.code(result.status).headers(result.headers ?? {});
            return result.body === undefined ? reply.send() : reply.send(result.body);
          }
          return result === undefined ? reply.code(204).send() : reply.send(result);
        },
      });
      mounted.push({
        pluginId,
        method: route.method,
        path: route.path,
        ...(route.summary ? { summary: route.summary } : {}),
      });
    }
  }
  return mounted;
}
