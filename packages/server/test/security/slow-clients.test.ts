import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { idleConnection, rawRequest, trickle } from './support/raw-http.js';
import { type SecurityHost, startSecurityHost } from './support/security-host.js';

// Slow and greedy clients over real sockets, with small limits so that the tests take seconds.
const HEADERS_MS = 1_500;
const REQUEST_MS = 2_500;
// Node checks its timeouts every quarter of the header limit (at most 1 s): a limit holds within that.
const MARGIN_MS = 1_000;
const CAP = 5;

let host: SecurityHost;
beforeAll(async () => {
  host = await startSecurityHost({
    backend: 'postgres',
    server: { limits: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS, connectionsPerAddress: CAP } },
  });
}, 60_000);

const head = (key: string, length = 500) =>
  `POST /fhir/R4/Patient HTTP/1.1\r\nHost: mekong\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/fhir+json\r\nContent-Length: ${length}\r\n\r\n`;
const health = 'GET /healthz HTTP/1.1\r\nHost: mekong\r\n\r\n';

describe('slow clients are cut off at the configured limits', () => {
  it('closes a connection whose headers come one byte at a time (408) within the header limit', async () => {
    const slow = await trickle(host.server.url, { trickled: head(host.keys.admin), intervalMs: 250, giveUpMs: 10_000 });
    expect(slow.closedAfterMs).toBeDefined();
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(slow.closedAfterMs).toBeLessThanOrEqual(HEADERS_MS + MARGIN_MS);
    expect(slow.answer?.status).toBe(408);
    expect(slow.answer?.json().resourceType).toBe('OperationOutcome');
  });

  it('closes a connection whose body trickles (408) within the request limit, counted from its first byte', async () => {
    const slow = await trickle(host.server.url, {
      prefix: head(host.keys.admin),
      trickled: ' '.repeat(500),
      intervalMs: 100,
      giveUpMs: 10_000,
    });
    expect(slow.closedAfterMs).toBeDefined();
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(slow.closedAfterMs).toBeLessThanOrEqual(REQUEST_MS + MARGIN_MS);
    expect(slow.answer?.status).toBe(408);
    expect(slow.sent).toBeLessThan(head(host.keys.admin).length + 500);
  });

  it('closes a connection that sends nothing within the header limit, and serves others meanwhile', async () => {
    const idle = await idleConnection(host.server.url);
    const others = await Promise.all(Array.from({ length: 3 }, () => rawRequest(host.server.url, health)));
    expect(others.map((answer) => answer?.status)).toEqual([200, 200, 200]);
    const closedAfter = await Promise.race([idle.closed, sleep(10_000).then(() => undefined)]);
    idle.close();
    expect(closedAfter).toBeDefined();
    expect(closedAfter).toBeLessThanOrEqual(HEADERS_MS + MARGIN_MS);
  });
});

describe('connections per address', () => {
  it(`refuses a connection over ${CAP} from one address at once (503), serves other addresses, and counts closes`, async () => {
    const held = await Promise.all(Array.from({ length: CAP }, () => idleConnection(host.server.url)));
    const started = performance.now();
    const over = await rawRequest(host.server.url, health);
    expect(performance.now() - started).toBeLessThan(500);
    expect(over?.status).toBe(503);
    expect(over?.headers['retry-after']).toBe('1');
    expect(over?.json().issue[0].diagnostics).toMatch(/too many connections from this address: at most 5/);
    // Another address (loopback answers on all of 127/8) is not affected.
    expect((await rawRequest(host.server.url, health, 3_000, { localAddress: '127.0.0.2' }))?.status).toBe(200);

    // A closed connection frees its place, and only one.
    held.pop()?.close();
    await sleep(100);
    expect((await rawRequest(host.server.url, health))?.status).toBe(200);
    const again = await idleConnection(host.server.url);
    expect((await rawRequest(host.server.url, health))?.status).toBe(503);

    // Connections the server closes (the header limit) free theirs too.
    await Promise.all([...held, again].map((connection) => connection.closed));
    const answers = await Promise.all(Array.from({ length: CAP }, () => rawRequest(host.server.url, health)));
    expect(answers.map((answer) => answer?.status)).toEqual(Array(CAP).fill(200));
  });
});
