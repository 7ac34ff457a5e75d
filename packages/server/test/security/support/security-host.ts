import type { HostConfig, Plugin, ServiceFactory } from '@mekong/kernel';
import { type ServerConfigInput, type ServerService, serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { createPostgresSchema, type PostgresSchema, startTestHost, type TestHost } from '@mekong/testing';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll } from 'vitest';

/** The database a suite runs on. */
export type Backend = 'pglite' | 'postgres';

/** How a request reaches the server: `inject()` without a socket, or `fetch` over the listening port. */
export type Transport = 'inject' | 'fetch';
export const transports: readonly Transport[] = ['inject', 'fetch'];

/** The built-in staff roles every suite gets an API key for. */
export const ROLES = ['admin', 'clinician', 'nurse', 'receptionist', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** The issuer and audience of the test identity provider. */
export const ISSUER = 'https://idp.test.mekong';
export const AUDIENCE = 'mekong-api';

/** A request as the suites write it. */
export interface Call {
  readonly method: string;
  readonly url: string;
  /** A role's key, a raw Authorization value (`raw:...`), or no credential. Defaults to admin. */
  readonly as?: Role | `raw:${string}` | 'anonymous';
  /** JSON bodies are sent as application/fhir+json; strings are sent as they are. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The client address `inject()` pretends to come from (fetch always comes from 127.0.0.1). */
  readonly remoteAddress?: string;
}

/** JWT claims; an `undefined` value leaves a default claim out. */
export type Claims = Record<string, unknown>;

/** A response, the same whichever transport carried it. */
export interface Answer {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: the suites read arbitrary FHIR JSON
  json(): any;
}

/** A started deployment (store and server) with keys for each role and a JWT signer. */
export interface SecurityHost {
  readonly test: TestHost;
  readonly server: ServerService;
  readonly keys: Readonly<Record<Role, string>>;
  /** Sends a request over a transport. */
  send(call: Call, transport?: Transport): Promise<Answer>;
  /** Signs an ES256 JWT with the trusted key; claims override the defaults (iss, aud, sub, iat, exp in 5 min). */
  jwt(claims: Claims, header?: Record<string, unknown>): Promise<string>;
  /** A key pair the server does not trust, for forged tokens. */
  readonly forger: { sign(claims: Claims): Promise<string> };
  /** The public JWK the server trusts. */
  readonly publicJwk: JWK;
}

/** Options of {@link startSecurityHost}. */
export interface SecurityHostOptions {
  readonly backend?: Backend;
  readonly server?: ServerConfigInput;
  readonly plugins?: readonly Plugin[];
  readonly kernel?: HostConfig['kernel'];
  readonly plugin?: Record<string, unknown>;
  /** Replacements of services (a capturing logger). */
  readonly services?: readonly ServiceFactory[];
}

/**
 * Starts the store and the server on PGlite in memory (one instance: call once per file) or on PostgreSQL in a
 * schema of its own, listening on a free port, with JWTs from a test identity provider (ES256) accepted.
 */
export async function startSecurityHost(options: SecurityHostOptions = {}): Promise<SecurityHost> {
  const store = options.backend === 'postgres' ? await isolatedPostgres() : {};
  const idp = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(idp.publicKey);
  const other = await generateKeyPair('ES256');
  const server: ServerConfigInput = {
    port: 0,
    ...options.server,
    auth: {
      jwt: { issuer: ISSUER, audience: AUDIENCE, publicKey: { ...publicJwk, kty: 'EC' }, algorithms: ['ES256'] },
      ...options.server?.auth,
    },
  };
  const test = await startTestHost({
    ...(options.services ? { services: options.services } : {}),
    plugins: [storePlugin, serverPlugin, ...(options.plugins ?? [])],
    config: {
      ...(options.kernel ? { kernel: options.kernel } : {}),
      plugins: { store, server, ...options.plugin },
    },
  });
  const service = test.get(serverServiceRef);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES)
    keys[role] = (await service.apiKeys.create({ name: `security ${role}`, roles: [role] })).key;

  const sign = (key: CryptoKey, claims: Claims, header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ ...header, alg: 'ES256' })
      .sign(key);
  };

  return {
    test,
    server: service,
    keys,
    publicJwk,
    send: (call, transport = 'inject') => send(service, keys, call, transport),
    jwt: (claims, header) => sign(idp.privateKey, claims, header),
    forger: { sign: (claims) => sign(other.privateKey, claims) },
  };
}

// Registered when the file loads: a hook registered while a beforeAll runs is not always run.
const schemas: PostgresSchema[] = [];
afterAll(async () => {
  for (const schema of schemas.splice(0)) await schema.drop();
});

async function isolatedPostgres(): Promise<{ databaseUrl: string }> {
  const schema = await createPostgresSchema('sec');
  schemas.push(schema);
  return { databaseUrl: schema.url };
}

function requestHeaders(keys: Readonly<Record<Role, string>>, call: Call): Record<string, string> {
  const as = call.as ?? 'admin';
  const authorization =
    as === 'anonymous' ? undefined : as.startsWith('raw:') ? as.slice(4) : `Bearer ${keys[as as Role]}`;
  return {
    ...(authorization !== undefined ? { authorization } : {}),
    ...(call.body !== undefined && typeof call.body !== 'string' ? { 'content-type': 'application/fhir+json' } : {}),
    ...call.headers,
  };
}

async function send(
  server: ServerService,
  keys: Readonly<Record<Role, string>>,
  call: Call,
  transport: Transport,
): Promise<Answer> {
  const headers = requestHeaders(keys, call);
  const body =
    call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  if (transport === 'inject') {
    const response = await server.app.inject({
      method: call.method as 'GET',
      url: call.url,
      headers,
      ...(call.remoteAddress ? { remoteAddress: call.remoteAddress } : {}),
      ...(body === undefined ? {} : { payload: body }),
    });
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return answer(response.statusCode, flat, response.body);
  }
  const response = await fetch(`${server.url}${call.url}`, {
    method: call.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  return answer(response.status, Object.fromEntries(response.headers), await response.text());
}

function answer(status: number, headers: Record<string, string>, text: string): Answer {
  return { status, headers, text, json: () => JSON.parse(text) };
}

/** A minimal valid Patient. */
export function patient(family = 'Nguyen', extra: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', name: [{ family, given: ['An'] }], gender: 'female', ...extra };
}

/** A minimal valid Observation about a patient. */
export function observation(patientId: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
    subject: { reference: `Patient/${patientId}` },
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    ...extra,
  };
}

/** The `as` of a request that sends this bearer credential. */
export function bearer(credential: string): `raw:${string}` {
  return `raw:Bearer ${credential}`;
}
