import type { AuditEvent } from '@mekong/fhir';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { patient, type ServerHost, startServerHost } from './support/server-host.js';

const ORIGIN = 'https://app.example.vn';
const JWT = { issuer: 'https://idp.limits.test', audience: 'mekong', secret: 'a-shared-secret-of-at-least-32-chars!' };
let host: ServerHost;
beforeAll(async () => {
  host = await startServerHost({
    server: {
      limits: {
        bodyBytes: 64 * 1024,
        maxCount: 50,
        maxBundleEntries: 20,
        rateLimit: { max: 30, systemMax: 60, roles: { 'lab-system': 80 }, timeWindowMs: 60_000 },
      },
      cors: { origins: [ORIGIN] },
      auth: {
        jwt: JWT,
        roles: { 'lab-system': { rules: [{ type: 'Observation', interactions: ['create', 'read', 'search'] }] } },
      },
    },
    plugin: { store: { maxSortedMatches: 3 } },
  });
}, 60_000);

/** The statuses of `n` requests made one after another. */
async function statuses(n: number, request: () => Promise<{ statusCode: number }>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await request()).statusCode);
  return seen;
}

const counts = (seen: number[]) => {
  const by: Record<number, number> = {};
  for (const status of seen) by[status] = (by[status] ?? 0) + 1;
  return by;
};

async function systemToken(client: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: JWT.issuer, aud: JWT.audience, sub: client, client_id: client, roles: ['clinician'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(JWT.secret));
}

const entries = (n: number) =>
  Array.from({ length: n }, () => ({ resource: patient(), request: { method: 'POST', url: 'Patient' } }));

describe('request limits', () => {
  it('refuses a body over the limit with 413, before reading it, over a real socket', async () => {
    const before = process.memoryUsage().heapUsed;
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const response = await host.fetch({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: big.toString(),
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(response.status).toBe(413);
    const outcome = await response.json();
    expect(outcome.issue[0].code).toBe('too-costly');
    expect(outcome.issue[0].diagnostics).toMatch(/smaller body/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a Bundle with more entries than allowed (413), and runs one within the limit', async () => {
    const tooMany = await host.inject({
      method: 'POST',
      url: '/fhir/R4',
      body: { resourceType: 'Bundle', type: 'batch', entry: entries(21) },
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().issue[0].expression).toEqual(['Bundle.entry']);
    const fits = await host.inject({
      method: 'POST',
      url: '/fhir/R4',
      body: { resourceType: 'Bundle', type: 'transaction', entry: entries(20) },
    });
    expect(fits.statusCode).toBe(200);
  });

  it('refuses a search sorted over more matches than plugins.store.maxSortedMatches (400 too-costly)', async () => {
    for (let i = 0; i < 4; i++) {
      const created = await host.inject({ method: 'POST', url: '/fhir/R4/Patient', body: patient() });
      expect(created.statusCode).toBe(201);
    }
    const refused = await host.inject({ method: 'GET', url: '/fhir/R4/Patient?_sort=birthdate' });
    expect(refused.statusCode).toBe(400);
    const [issue] = refused.json().issue;
    expect(issue.code).toBe('too-costly');
    expect(issue.diagnostics).toMatch(/Patient sorted by 'birthdate' matches more than 3 resources/);
    expect(issue.diagnostics).toMatch(/sort by _lastUpdated or _id/);
    expect((await host.inject({ method: 'GET', url: '/fhir/R4/Patient?_sort=-_lastUpdated' })).statusCode).toBe(200);
  });

  it('refuses a _count above the configured maximum (400), in searches and history alike', async () => {
    expect((await host.inject({ method: 'GET', url: '/fhir/R4/Patient?_count=51' })).statusCode).toBe(400);
    expect((await host.inject({ method: 'GET', url: '/fhir/R4/Patient?_count=50' })).statusCode).toBe(200);
    expect((await host.inject({ method: 'GET', url: '/fhir/R4/Patient/_history?_count=51' })).statusCode).toBe(400);
  });

  it('rate-limits per client with 429, Retry-After and an OperationOutcome; other clients go on', async () => {
    let last: Awaited<ReturnType<ServerHost['inject']>> | undefined;
    for (let i = 0; i < 31; i++)
      last = await host.inject({ method: 'GET', url: '/fhir/R4/AuditEvent?_count=1', as: 'auditor' });
    expect(last?.statusCode).toBe(429);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.json().issue[0].code).toBe('throttled');
    expect((await host.inject({ method: 'GET', url: '/fhir/R4/Patient?_count=1', as: 'clinician' })).statusCode).toBe(
      200,
    );
    expect((await host.inject({ method: 'GET', url: '/healthz', as: 'anonymous' })).statusCode).toBe(200);
  });
});

describe('rate limits by role and by key', () => {
  const read = (as: `raw:${string}`) => () => host.inject({ method: 'GET', url: '/fhir/R4/Observation?_count=1', as });

  it("gives a key issued with a limit of its own that limit, and shows it in the key's record", async () => {
    const issued = await host.inject({
      method: 'POST',
      url: '/admin/api-keys',
      body: { name: 'lab analyser', roles: ['clinician'], rateLimit: 45 },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    expect(issued.json().rateLimit).toBe(45);
    const listed = (await host.inject({ method: 'GET', url: '/admin/api-keys' })).json();
    expect(listed.keys.find((key: { id: string }) => key.id === issued.json().id)?.rateLimit).toBe(45);
    expect(counts(await statuses(46, read(`raw:Bearer ${issued.json().key}`)))).toEqual({ 200: 45, 429: 1 });
    // The key's limit is in the record of its issue, with its other rights.
    const trail = await host.inject({ method: 'GET', url: '/fhir/R4/AuditEvent?subtype=110137&action=C&_count=50' });
    const event = trail
      .json()
      .entry.map((entry: { resource: AuditEvent }) => entry.resource)
      .find((resource: AuditEvent) => resource.entity?.[0]?.name === 'lab analyser');
    expect(event?.entity?.[0]?.detail).toContainEqual({ type: 'rate-limit', valueString: '45' });
  });

  it('gives the holders of a role listed in limits.rateLimit.roles its limit', async () => {
    const { key } = await host.server.apiKeys.create({ name: 'LIS', roles: ['lab-system'] });
    expect(counts(await statuses(81, read(`raw:Bearer ${key}`)))).toEqual({ 200: 80, 429: 1 });
  });

  it("gives a system's token (client credentials) systemMax", async () => {
    const token = await systemToken('lis-gateway');
    expect(counts(await statuses(61, read(`raw:Bearer ${token}`)))).toEqual({ 200: 60, 429: 1 });
  });

  it('refuses a key limit that is not a positive whole number', async () => {
    for (const rateLimit of [0, -1, 1.5, 'many', 2_000_000]) {
      const answer = await host.inject({
        method: 'POST',
        url: '/admin/api-keys',
        body: { name: 'bad', roles: ['clinician'], rateLimit },
      });
      expect(answer.statusCode, String(rateLimit)).toBe(400);
      expect(answer.json().issue[0].diagnostics, String(rateLimit)).toMatch(/rateLimit/);
    }
  });
});

describe('with the default limits', () => {
  let defaults: ServerHost;
  beforeAll(async () => {
    defaults = await startServerHost({ backend: 'postgres' });
  }, 60_000);

  const wave = async (n: number, request: () => Promise<{ statusCode: number }>) =>
    (await Promise.all(Array.from({ length: n }, request))).map((answer) => answer.statusCode);

  it("lets an integration's key post past 1,000 results a minute, while a user's key stops at 1,000", async () => {
    const { key } = await defaults.server.apiKeys.create({
      name: 'lab analyser',
      roles: ['clinician'],
      rateLimit: 20_000,
    });
    const subject = (await defaults.inject({ method: 'POST', url: '/fhir/R4/Patient', body: patient() })).json().id;
    const result = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'glucose' },
      subject: { reference: `Patient/${subject}` },
    };
    const post = () =>
      defaults.inject({ method: 'POST', url: '/fhir/R4/Observation', as: `raw:Bearer ${key}`, body: result });
    const posted: number[] = [];
    for (let i = 0; i < 20; i++) posted.push(...(await wave(50, post)));
    posted.push((await post()).statusCode);
    expect(counts(posted)).toEqual({ 201: 1001 });

    const read = () => defaults.inject({ method: 'GET', url: `/fhir/R4/Patient/${subject}`, as: 'clinician' });
    const user: number[] = [];
    for (let i = 0; i < 20; i++) user.push(...(await wave(50, read)));
    user.push((await read()).statusCode);
    expect(counts(user)).toEqual({ 200: 1000, 429: 1 });
  }, 60_000);
});

describe('headers', () => {
  it('sends security headers, with a Content-Security-Policy that allows the reference page', async () => {
    const response = await host.inject({ method: 'GET', url: '/docs', as: 'anonymous' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const page = response.body;
    for (const [, src] of page.matchAll(/<script[^>]*src="([^"]+)"/g)) {
      const asset = await host.inject({
        method: 'GET',
        url: new URL(src as string, `${host.server.url}/docs/`).pathname,
        as: 'anonymous',
      });
      expect(asset.statusCode, src).toBe(200);
    }
    expect(page).not.toMatch(/<script(?![^>]*src=)[^>]*>\s*\S/); // no inline script the CSP would block
  });

  it('allows CORS for configured origins only, answering their preflight without credentials', async () => {
    const preflight = await host.inject({
      method: 'OPTIONS',
      url: '/fhir/R4/Patient',
      as: 'anonymous',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(preflight.headers['access-control-allow-headers']).toContain('if-match');
    const other = await host.inject({
      method: 'GET',
      url: '/fhir/R4/Patient?_count=1',
      as: 'clinician',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await host.inject({
      method: 'GET',
      url: '/fhir/R4/Patient?_count=1',
      as: 'clinician',
      headers: { origin: ORIGIN },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(allowed.headers['access-control-expose-headers']).toContain('etag');
  });
});
