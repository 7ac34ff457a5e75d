import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { issueTypeFor } from '../http/http-error.js';
import { operationOutcome } from '../http/operation-outcome.js';

/** An address as one client: `::ffff:10.0.0.1` and `10.0.0.1` are the same. */
function addressOf(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Caps the connections open at once from one address: a connection over `max` is answered at once with a 503
 * OperationOutcome (Retry-After) and closed, before anything of it is read; the others go on. Each connection
 * is counted when it opens and released when it closes, however it closes.
 */
export function limitConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = addressOf(socket);
    if (address === undefined) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      refuse(socket, max);
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

function refuse(socket: Socket, max: number): void {
  const body = JSON.stringify(
    operationOutcome([
      {
        code: issueTypeFor(503),
        diagnostics: `too many connections from this address: at most ${max} at once. close idle connections (or reuse them: keep-alive) and retry`,
      },
    ]),
  );
  socket.on('error', () => {});
  // Destroyed once the answer is written: nothing the client sends on it is read.
  socket.end(
    `HTTP/1.1 503 ${STATUS_CODES[503]}\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/fhir+json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
  setTimeout(() => socket.destroy(), 1_000).unref();
}
