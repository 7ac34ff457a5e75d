import { beforeAll, describe, expect, it } from 'vitest';
import { patient, type ServerHost, startServerHost } from './support/server-host.js';

const ORIGIN = 'https://app.example.vn';
let host: ServerHost;
beforeAll(async () => {
  host = await startServerHost({
    server: {
      limits: {
        bodyBytes: 64 * 1024,
        maxCount: 50,
        maxBundleEntries: 20,
        rateLimit: { max: 30, timeWindowMs: 60_000 },
      },
      cors: { origins: [ORIGIN] },
    },
  });
}, 60_000);

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
