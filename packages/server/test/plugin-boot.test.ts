import { coreServices, definePlugin, HostBootError, PreflightError } from '@mekong/kernel';
import {
  buildServer,
  defineRoute,
  type ServerService,
  serverConfigSchema,
  serverPlugin,
  serverRoutesExtensionPoint,
  serverServiceRef,
} from '@mekong/server';
import { storeAccessServiceRef, storePlugin } from '@mekong/store';
import { createTestHost } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { squatterPlugin, strayPlugin } from './support/sample-plugins.js';
import { isolatedPostgresUrl } from './support/server-host.js';

// PostgreSQL (connecting is cheap, where opening PGlite takes seconds), each host in a schema of its own.
async function bootWith(plugin: typeof strayPlugin): Promise<HostBootError> {
  const host = createTestHost({
    plugins: [storePlugin, serverPlugin, plugin],
    config: { plugins: { store: { databaseUrl: await isolatedPostgresUrl() }, server: { port: 0 } } },
  });
  const error = await host.start().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HostBootError);
  return error as HostBootError;
}

describe('route prefixes', () => {
  it('refuses a route outside the plugin’s declared prefixes, naming the plugin and what to do', async () => {
    const error = await bootWith(strayPlugin);
    expect(error.message).toMatch(
      /\[stray\] contributes the route GET \/elsewhere\/x, outside the route prefixes it declares \(\/stray\)/,
    );
    expect((error.cause as { hint: string }).hint).toMatch(/capabilities\.routes of plugin 'stray'/);
  });

  it('refuses a prefix the server keeps before anything starts (pre-flight)', async () => {
    const host = createTestHost({ plugins: [storePlugin, serverPlugin, squatterPlugin] });
    const error = await host.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).problems.map((p) => `${p.code} ${p.pluginId}: ${p.message}`)).toEqual([
      "ROUTE_PREFIX_CONFLICT squatter: declares the route prefix '/fhir/R4/custom', which overlaps '/fhir' of plugin 'server': each would serve paths under the other's",
    ]);
  });

  it('refuses a prefix the server keeps when an application embeds buildServer without the server plugin', async () => {
    // Nothing compares the kiosk's prefix with the server's before buildServer runs: it refuses it itself.
    const kiosk = definePlugin({
      id: 'kiosk',
      version: '0.1.0',
      kernel: '^0.1.0',
      capabilities: { routes: ['/admin/kiosk'] },
      register() {},
    });
    const embedder = definePlugin({
      id: 'embedder',
      version: '0.1.0',
      kernel: '^0.1.0',
      dependencies: { store: '^0.1.0' },
      register(env) {
        env.registerInit({
          deps: { access: storeAccessServiceRef, status: coreServices.pluginStatus },
          async init({ access, status }) {
            const ping = defineRoute({ method: 'GET', path: '/admin/kiosk/ping', handler: () => ({ pong: true }) });
            await buildServer({
              config: serverConfigSchema.parse({}),
              access,
              authenticator: { authenticate: () => Promise.reject(new Error('no callers in this test')) },
              status,
              routes: [{ pluginId: 'kiosk', priority: 0, value: [ping] }],
            });
          },
        });
      },
    });
    const host = createTestHost({
      plugins: [storePlugin, kiosk, embedder],
      config: { plugins: { store: { databaseUrl: await isolatedPostgresUrl(), gateways: ['embedder'] } } },
    });
    const error = await host.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostBootError);
    expect((error as HostBootError).cause).toMatchObject({
      code: 'SERVER_ROUTE_PREFIX_RESERVED',
      pluginId: 'kiosk',
      message: expect.stringContaining(
        "declares the route prefix '/admin/kiosk', which overlaps a path the server keeps",
      ),
    });
  });
});

describe('while a plugin is starting', () => {
  it('answers its routes with 503 and Retry-After, and is not ready, until its start hook is done', async () => {
    let release: () => void = () => {};
    const starting = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowPlugin = definePlugin({
      id: 'slow',
      version: '0.1.0',
      kernel: '^0.1.0',
      dependencies: { server: '^0.1.0' },
      capabilities: { routes: ['/slow'] },
      register(env) {
        env.contribute(serverRoutesExtensionPoint, {
          value: [defineRoute({ method: 'GET', path: '/slow/ping', handler: () => ({ pong: true }) })],
        });
        env.registerInit({
          deps: { lifecycle: coreServices.lifecycle },
          init({ lifecycle }) {
            lifecycle.addStartHook(() => starting);
          },
        });
      },
    });
    const host = createTestHost({
      plugins: [storePlugin, serverPlugin, slowPlugin],
      config: { plugins: { store: { databaseUrl: await isolatedPostgresUrl() }, server: { port: 0 } } },
    });
    const started = host.start();
    let server: ServerService | undefined;
    while (!server?.url.match(/:\d{2,5}$/) || server.url.endsWith(':0')) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      try {
        server = host.get(serverServiceRef);
      } catch {
        server = undefined;
      }
    }
    const { key } = await server.apiKeys.create({ name: 'early', roles: ['admin'] });
    const ping = await fetch(`${server.url}/slow/ping`, { headers: { authorization: `Bearer ${key}` } });
    expect(ping.status).toBe(503);
    expect(ping.headers.get('retry-after')).toBe('1');
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual(['the host is still starting']);
    release();
    await started;
    expect((await fetch(`${server.url}/slow/ping`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await host.stop();
  });
});
