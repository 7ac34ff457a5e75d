import type { HostConfig, Plugin } from '@mekong/kernel';
import { type ServerConfigInput, type ServerService, serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { createPostgresSchema, startTestHost, type TestHost } from '@mekong/testing';
import { afterAll } from 'vitest';

/** A started host with the store and the server, API keys for a few roles, and request helpers. */
export interface ServerHost {
  readonly test: TestHost;
  readonly server: ServerService;
  /** API keys by role: admin, clinician, nurse, receptionist, auditor. */
  readonly keys: Readonly<Record<'admin' | 'clinician' | 'nurse' | 'receptionist' | 'auditor', string>>;
  /** `inject()` a request with a key's credential (and JSON body as FHIR JSON). */
  inject(options: InjectOptions): Promise<InjectResponse>;
  /** The same over a real socket. */
  fetch(options: InjectOptions): Promise<FetchResponse>;
}

/** A response received over a socket. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary FHIR JSON
  json<T = any>(): Promise<T>;
}

export interface InjectOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'HEAD';
  readonly url: string;
  /** A role's key, a raw credential (`raw:...`), or none. */
  readonly as?: keyof ServerHost['keys'] | `raw:${string}` | 'anonymous';
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface InjectResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary FHIR JSON
  json<T = any>(): T;
}

// Cleanup at the end of the file: hooks registered while tests run would not be. Hosts stop before their schemas go.
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A PostgreSQL URL whose connections use a new schema of their own, dropped after the test file. */
export async function isolatedPostgresUrl(): Promise<string> {
  const schema = await createPostgresSchema('srv');
  cleanups.push(schema.drop);
  return schema.url;
}

/** Options of {@link startServerHost}. */
export interface ServerHostOptions {
  readonly plugins?: readonly Plugin[];
  readonly server?: ServerConfigInput;
  readonly backend?: 'pglite' | 'postgres';
  readonly kernel?: HostConfig['kernel'];
  readonly plugin?: Record<string, unknown>;
}

/** Starts store and server (PGlite in memory by default; PostgreSQL in a schema of its own). */
export async function startServerHost(options: ServerHostOptions = {}): Promise<ServerHost> {
  const store = options.backend === 'postgres' ? { databaseUrl: await isolatedPostgresUrl() } : {};
  const test = await startTestHost({
    plugins: [storePlugin, serverPlugin, ...(options.plugins ?? [])],
    config: {
      ...(options.kernel ? { kernel: options.kernel } : {}),
      plugins: { store, server: { port: 0, ...options.server }, ...options.plugin },
    },
  });
  cleanups.push(() => test.stop());
  const server = test.get(serverServiceRef);
  const keys = Object.fromEntries(
    await Promise.all(
      (['admin', 'clinician', 'nurse', 'receptionist', 'auditor'] as const).map(async (role) => [
        role,
        (await server.apiKeys.create({ name: `test ${role}`, roles: [role] })).key,
      ]),
    ),
  ) as ServerHost['keys'];
  const headersOf = (o: InjectOptions) => {
    const as = o.as ?? 'admin';
    const authorization =
      as === 'anonymous' ? undefined : as.startsWith('raw:') ? as.slice(4) : `Bearer ${keys[as as keyof typeof keys]}`;
    return {
      ...(authorization ? { authorization } : {}),
      ...(o.body !== undefined && typeof o.body !== 'string' ? { 'content-type': 'application/fhir+json' } : {}),
      ...o.headers,
    };
  };
  const payload = (o: InjectOptions) =>
    o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  return {
    test,
    server,
    keys,
    async inject(o) {
      const body = payload(o);
      const response = await server.app.inject({
        method: o.method,
        url: o.url,
        headers: headersOf(o),
        ...(body === undefined ? {} : { payload: body }),
      });
      return response as unknown as InjectResponse;
    },
    async fetch(o) {
      const body = payload(o);
      const response = await fetch(`${server.url}${o.url}`, {
        method: o.method,
        headers: headersOf(o),
        ...(body === undefined ? {} : { body }),
      });
      return { status: response.status, headers: response.headers, json: () => response.json() as never };
    },
  };
}

/** A minimal valid Patient. */
export function patient(family = 'Nguyen', extra: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', name: [{ family, given: ['An'] }], gender: 'female', ...extra };
}
