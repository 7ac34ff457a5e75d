import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { PluginStatusService } from '@mekong/kernel';
import type { FastifyInstance } from 'fastify';

/** An operation a plugin added to the API, for hiding it while the plugin is not started. */
export interface PluginPath {
  readonly pluginId: string;
  readonly method: string;
  /** The Fastify URL (`/triage/queue/:id`). */
  readonly url: string;
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>;
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The document without the paths of plugins that are not started. */
export function onlyStartedPlugins<T extends OpenApiDocument>(
  document: T,
  paths: readonly PluginPath[],
  status: PluginStatusService,
): T {
  const copy = structuredClone(document);
  for (const { pluginId, method, url } of paths) {
    if (status.status(pluginId) === 'started') continue;
    const path = toOpenApiPath(url);
    const item = copy.paths?.[path];
    if (!item) continue;
    delete item[method.toLowerCase()];
    if (Object.keys(item).every((key) => key === 'parameters')) delete copy.paths?.[path];
  }
  return copy;
}

/**
 * The OpenAPI 3.1 document of the whole API at `/openapi.json` and the interactive reference at `/docs`; must be
 * registered before any route so that every route is documented. `pluginPaths` is read per request.
 */
export async function registerOpenApi(
  app: FastifyInstance,
  options: { version: string; status: PluginStatusService; pluginPaths: () => readonly PluginPath[] },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Mekong API',
        version: options.version,
        description:
          'The FHIR R4 REST API of a Mekong deployment (under /fhir/R4), the routes and operations of its plugins, and its health endpoints. Errors are FHIR OperationOutcomes.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An access token (JWT) or an API key' },
        },
      },
    },
  });
  const filtered = (document: Record<string, unknown>) =>
    onlyStartedPlugins(document, options.pluginPaths(), options.status);
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    transformSpecification: (document) => filtered(document as Record<string, unknown>),
    transformSpecificationClone: false,
  });
  app.get('/openapi.json', { schema: { hide: true } }, () =>
    filtered(app.swagger() as unknown as Record<string, unknown>),
  );
}
