import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

/** A local HTTP server that records every request it receives: the server under test must never call it. */
export interface TrapServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** Requests received so far (method and URL). */
  readonly hits: readonly string[];
}

/** Starts a trap server on a free loopback port, closed after the test file. */
export async function startTrapServer(): Promise<TrapServer> {
  const hits: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    hits.push(`${request.method} ${request.url}`);
    // A plausible FHIR answer, so that a server that did follow the URL would have something to consume.
    response.writeHead(200, { 'content-type': 'application/fhir+json' });
    response.end(JSON.stringify({ resourceType: 'Patient', id: 'trap', keys: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, hits };
}
