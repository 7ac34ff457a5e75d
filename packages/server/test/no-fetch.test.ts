import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patient, type ServerHost, startServerHost } from './support/server-host.js';

// A server nobody should ever call: the test fails if any request reaches it.
const seen: string[] = [];
let trap: Server;
let trapUrl: string;
let host: ServerHost;

beforeAll(async () => {
  trap = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    response.end('{}');
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  const address = trap.address();
  trapUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  host = await startServerHost();
}, 60_000);
afterAll(() => new Promise<void>((resolve) => trap.close(() => resolve())));

describe('URLs in requests are never fetched', () => {
  it('stores, searches, bundles and follows nothing that points at another server', async () => {
    const remote = `${trapUrl}/fhir/R4/Patient/remote`;
    const created = await host.fetch({
      method: 'POST',
      url: '/fhir/R4/Observation',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'pulse' },
        subject: { reference: remote },
        performer: [{ reference: `${trapUrl}/Practitioner/1` }],
        derivedFrom: [{ reference: `${trapUrl}/Observation/1` }],
        meta: { profile: [`${trapUrl}/StructureDefinition/x`], source: trapUrl },
      },
      headers: { 'x-forwarded-host': trapUrl.slice(7), referer: trapUrl },
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const searches = [
      `/fhir/R4/Observation?subject=${encodeURIComponent(remote)}`,
      `/fhir/R4/Observation?_id=${id}&_include=Observation:subject`,
      `/fhir/R4/Observation?_id=${id}&_include=Observation:performer`,
      `/fhir/R4/Observation?_profile=${encodeURIComponent(`${trapUrl}/StructureDefinition/x`)}`,
    ];
    for (const url of searches) expect((await host.fetch({ method: 'GET', url })).status, url).toBeLessThan(500);
    const bundle = await host.fetch({
      method: 'POST',
      url: '/fhir/R4',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: `${trapUrl}/Patient/a`, resource: patient(), request: { method: 'POST', url: 'Patient' } },
          { request: { method: 'GET', url: `${trapUrl}/Patient/a` } },
        ],
      },
    });
    expect(bundle.status).toBeLessThan(500);
    const conditional = await host.fetch({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: patient('Remote', { link: [{ other: { reference: remote }, type: 'seealso' }] }),
      headers: { 'if-none-exist': `_source=${encodeURIComponent(trapUrl)}` },
    });
    expect(conditional.status).toBeLessThan(500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual([]);
  });

  it('has no code path that opens an outgoing connection (but the identity provider’s configured JWKS)', () => {
    const root = join(import.meta.dirname, '../src');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const outgoing = /\bfetch\(|https?\.(request|get)\(|net\.connect|createConnection|undici|createRemoteJWKSet/;
    const found = files.filter((file) => outgoing.test(readFileSync(join(root, file), 'utf8')));
    // The JWKS is fetched by jose through the server's own fetch (jwks-fetch.ts), to tell its failures apart.
    expect(found.sort()).toEqual(['auth/jwks-fetch.ts', 'auth/jwt-verifier.ts']);
  });
});
