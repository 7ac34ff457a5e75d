import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { issueTypeFor } from './http-error.js';
import { operationOutcome } from './operation-outcome.js';

const ANSWERS: Record<string, readonly [number, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'the request line and headers are larger than this server accepts. send fewer or shorter headers, and search by POST (/fhir/R4/<type>/_search) when the query string is long',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request was not received in time. send the whole request promptly'],
};

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it (malformed HTTP, headers too large, too
 * slow) with an OperationOutcome like every other error, then closes the connection.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, diagnostics] = ANSWERS[error.code ?? ''] ?? [
    400,
    'the request is not valid HTTP/1.1. check what sent it',
  ];
  if (socket.writable) {
    const body = JSON.stringify(operationOutcome([{ code: issueTypeFor(status), diagnostics }]));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/fhir+json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
