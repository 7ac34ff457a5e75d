import { coreServices, createServiceFactory, definePlugin } from '@mekong/kernel';
import { storeAccessServiceRef, storeMigrationsExtensionPoint, storeServiceRef } from '@mekong/store';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../app/build-server.js';
import { type ApiKeys, apiKeyMigrations, createAuthenticator, ensureBootstrapKey } from '../auth/index.js';
import { fhirOperationsExtensionPoint, serverRoutesExtensionPoint } from '../extensions/extension-points.js';
import { RESERVED_PREFIXES } from '../extensions/mount-routes.js';
import { SERVER_VERSION } from '../version.js';
import { bootstrapKeyAudit } from './bootstrap-audit.js';
import { serverConfigSchema } from './server-config.js';
import { type ServerService, serverServiceRef } from './server-service.js';

/**
 * The HTTP server of a deployment (`plugins.server`): the FHIR R4 REST API at `/fhir/R4`, the routes and FHIR
 * operations plugins contribute (`serverRoutesExtensionPoint`, `fhirOperationsExtensionPoint`), the API
 * reference at `/docs`, `/healthz`, `/readyz` and `/admin/plugins`. Built at init, listening from its start hook,
 * closed at shutdown. Every request but the public ones is authenticated; the store audits every access. Its
 * manifest declares the paths it keeps ({@link RESERVED_PREFIXES}) as its route prefixes, so pre-flight (and
 * `mekong doctor`) refuses a plugin that declares a prefix among them.
 */
export const serverPlugin = definePlugin({
  id: 'server',
  version: SERVER_VERSION,
  kernel: '^0.1.0',
  description: 'FHIR R4 REST API, plugin routes and operations, OpenAPI, health endpoints',
  dependencies: { store: '^0.1.0' },
  // The paths the server keeps: pre-flight refuses a plugin whose prefix overlaps one (ROUTE_PREFIX_CONFLICT).
  capabilities: { routes: [...RESERVED_PREFIXES] },
  config: serverConfigSchema,
  register(env) {
    env.registerExtensionPoint(serverRoutesExtensionPoint);
    env.registerExtensionPoint(fhirOperationsExtensionPoint);
    env.contribute(storeMigrationsExtensionPoint, { value: apiKeyMigrations.migrations });
    let app: FastifyInstance | undefined;
    let listening: string | undefined;
    let configuredUrl = '';
    let apiKeys: ApiKeys | undefined;
    let bootstrapKey: string | undefined;
    const service: ServerService = {
      get app() {
        return app as FastifyInstance;
      },
      get url() {
        return listening ?? configuredUrl;
      },
      get apiKeys() {
        return apiKeys as ApiKeys;
      },
      get bootstrapKey() {
        return bootstrapKey;
      },
    };
    env.provideService(createServiceFactory({ service: serverServiceRef, factory: () => service }));

    env.registerInit({
      deps: {
        access: storeAccessServiceRef,
        // Resolving the server's own handle applies its migrations (the API keys table) before init runs.
        own: storeServiceRef,
        routes: serverRoutesExtensionPoint,
        operations: fhirOperationsExtensionPoint,
        status: coreServices.pluginStatus,
        log: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        clock: coreServices.clock,
      },
      async init({ access, routes, operations, status, log, lifecycle, clock }, { config }) {
        configuredUrl = config.baseUrl ?? `http://${config.host}:${config.port}`;
        const authenticator = await createAuthenticator({
          sql: access.sql,
          config: config.auth,
          now: () => clock.now(),
        });
        apiKeys = authenticator.apiKeys;
        const bootstrap = await ensureBootstrapKey(
          apiKeys,
          config.bootstrapApiKey,
          bootstrapKeyAudit(access, config.bootstrapApiKey !== undefined && config.bootstrapApiKey !== ''),
        );
        bootstrapKey = bootstrap.key;
        if (bootstrap.created) {
          log.info(
            bootstrap.key
              ? 'first start: an administrator API key was generated; it is shown once (mekong start prints it)'
              : 'first start: the administrator API key is the one given in MEKONG_BOOTSTRAP_API_KEY',
          );
        }
        const built = await buildServer({
          config,
          access,
          authenticator,
          apiKeys,
          status,
          routes,
          operations,
          logger: log,
          baseUrl: () => listening ?? configuredUrl,
        });
        app = built;
        lifecycle.addShutdownHook(() => built.close(), { label: 'close the HTTP server' });
        lifecycle.addStartHook(
          async () => {
            await built.listen({ host: config.host, port: config.port });
            const address = built.server.address();
            const port = typeof address === 'object' && address ? address.port : config.port;
            const host = config.host.includes(':') ? `[${config.host}]` : config.host;
            listening = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
            log.info({ url: listening, baseUrl: config.baseUrl ?? listening }, 'server listening');
          },
          { label: 'listen' },
        );
      },
    });
  },
});
