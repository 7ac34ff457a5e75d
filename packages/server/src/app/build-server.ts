import type { CapabilityStatement } from '@mekong/fhir';
import type { Extension, PluginStatusService } from '@mekong/kernel';
import type { StoreAccess } from '@mekong/store';
import type { FastifyBaseLogger as Logger } from 'fastify';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { registerApiKeyRoutes } from '../admin/api-key-routes.js';
import { ServerAudit } from '../audit/server-audit.js';
import type { ApiKeys, Authenticator } from '../auth/index.js';
import { type MountedOperation, mountOperations } from '../extensions/mount-operations.js';
import { type MountedRoute, mountRoutes } from '../extensions/mount-routes.js';
import type { FhirOperation } from '../extensions/operation-types.js';
import type { ServerRoute } from '../extensions/route-types.js';
import { capabilityStatement } from '../fhir/capability-statement.js';
import { registerFhirRoutes } from '../fhir/fhir-routes.js';
import { FHIR_PATH, type Links, linksOver } from '../fhir/links.js';
import { PUBLIC_HEALTH_PATHS, registerHealthRoutes } from '../health/health-routes.js';
import { registerAuthentication } from '../http/authentication.js';
import { clientErrorHandler } from '../http/client-error.js';
import { registerContentTypes } from '../http/content-types.js';
import { frameworkErrorHandler, MAX_PATH_SEGMENT, registerErrorHandling } from '../http/error-handler.js';
import { limitConnectionsPerAddress } from '../limits/connection-limit.js';
import { isPreflight, registerCors } from '../limits/cors.js';
import { registerRateLimit } from '../limits/rate-limit.js';
import { closeSilentConnections, receiptTimeouts } from '../limits/receipt-timeouts.js';
import { registerHandlerTimeout } from '../limits/request-timeout.js';
import { registerSecurityHeaders } from '../limits/security-headers.js';
import { type PluginPath, registerOpenApi } from '../openapi/register-openapi.js';
import type { ServerConfig } from '../plugin/server-config.js';
import { SERVER_VERSION } from '../version.js';

/** What {@link buildServer} needs. */
export interface BuildServerOptions {
  /** The server configuration, validated (`serverConfigSchema.parse(...)`). */
  readonly config: ServerConfig;
  /** The store gateway: a store acting for each caller. */
  readonly access: StoreAccess;
  readonly authenticator: Pick<Authenticator, 'authenticate'>;
  /** The deployment's API keys: with them, administrators manage keys at `/admin/api-keys`. */
  readonly apiKeys?: ApiKeys;
  /** The plugins' status and manifests: routes answer only while their plugin is started. */
  readonly status: PluginStatusService;
  /** Routes contributed by plugins. */
  readonly routes?: readonly Extension<readonly ServerRoute[]>[];
  /** FHIR operations contributed by plugins. */
  readonly operations?: readonly Extension<readonly FhirOperation[]>[];
  /** The logger requests are logged with. */
  readonly logger?: Logger;
  /**
   * The base URL for absolute links when `config.baseUrl` is not set; called per request (the port is known
   * only once the server listens).
   */
  readonly baseUrl?: () => string;
}

const PUBLIC_PATHS = new Set<string>([...PUBLIC_HEALTH_PATHS, '/openapi.json', '/docs', `${FHIR_PATH}/metadata`]);

/** Whether a path is answered without authentication: health, the API reference and the CapabilityStatement. */
export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.has(path) || path.startsWith('/docs/');
}

/**
 * Builds the HTTP server of a deployment without listening: the FHIR REST API, the plugins' routes and
 * operations, the API reference, health endpoints and every limit. `app.inject()` serves requests in tests;
 * the server plugin calls `listen()` in its start hook.
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { config, access, status } = options;
  const limits = config.limits;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    frameworkErrors: frameworkErrorHandler,
    return503OnClosing: true,
    clientErrorHandler,
    http: {
      // Node would answer a request without Host with an empty 400 of its own; Fastify answers it like any other.
      requireHostHeader: false,
      ...receiptTimeouts(limits),
    },
  }) as unknown as FastifyInstance;
  closeSilentConnections(app.server, Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs));
  const connectionCap = limits.connectionsPerAddress ?? (config.trustProxy === false ? 100 : undefined);
  if (connectionCap !== undefined) limitConnectionsPerAddress(app.server, connectionCap);
  const links: Links = linksOver(() => config.baseUrl ?? options.baseUrl?.() ?? `http://${config.host}:${config.port}`);
  const isPublic = (request: FastifyRequest) => isPreflight(request) || isPublicPath(request.url.split('?')[0] ?? '');

  // Documentation and validation are zod's and the store's: Fastify neither compiles nor applies JSON Schemas.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandling(app);
  registerContentTypes(app, { maxDepth: limits.jsonDepth });
  registerHandlerTimeout(app, limits.requestTimeoutMs);
  registerCors(app, config.cors.origins);
  // Security headers before authentication, whose 401s would otherwise go out without them.
  await registerSecurityHeaders(app);
  const audit = new ServerAudit(access);
  const authFailureLimit = await registerRateLimit(app, { ...limits.rateLimit, isPublic });
  registerAuthentication(app, options.authenticator, isPublic, { audit, limit: authFailureLimit });

  let pluginPaths: PluginPath[] = [];
  await registerOpenApi(app, { version: SERVER_VERSION, status, pluginPaths: () => pluginPaths });

  registerHealthRoutes(app, { access, status, audit });
  if (options.apiKeys) registerApiKeyRoutes(app, options.apiKeys, audit);
  const deps = { access, status, links, audit };
  const routes: MountedRoute[] = mountRoutes(app, options.routes ?? [], deps);
  const operations: MountedOperation[] = mountOperations(app, options.operations ?? [], deps);
  pluginPaths = [
    ...routes.map((route) => ({ pluginId: route.pluginId, method: route.method, url: route.path })),
    ...operations.flatMap((operation) =>
      (operation.affectsState ? ['POST'] : ['GET', 'POST']).map((method) => ({
        pluginId: operation.pluginId,
        method,
        url: `${FHIR_PATH}/${operation.level === 'system' ? '' : `${operation.resourceType}/`}${operation.level === 'instance' ? ':id/' : ''}$${operation.code}`,
      })),
    ),
  ];

  const date = new Date().toISOString();
  const started = <T extends { pluginId: string }>(items: readonly T[]) =>
    items.filter((item) => status.status(item.pluginId) === 'started');
  // Rebuilt only when the base URL or the set of started plugins changes: it lists ~150 resource types.
  let cached: { key: string; statement: CapabilityStatement } | undefined;
  registerFhirRoutes(app, { access, links, limits }, () => {
    const liveOperations = started(operations);
    const liveRoutes = started(routes);
    const key = [links.base(), ...new Set([...liveOperations, ...liveRoutes].map((item) => item.pluginId))].join(' ');
    if (cached?.key !== key) {
      const statement = capabilityStatement({
        links,
        version: SERVER_VERSION,
        operations: liveOperations,
        routes: liveRoutes,
        corsOrigins: config.cors.origins,
        date,
      });
      cached = { key, statement };
    }
    return cached.statement;
  });
  await app.ready();
  return app;
}
