import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerLimits } from '../plugin/server-config.js';

/**
 * Node's timeouts for receiving a request, as the limits configure them: the headers within `headersTimeoutMs`
 * (at most `requestTimeoutMs`), the whole request within `requestTimeoutMs`. Node checks them every
 * `connectionsCheckingInterval` (30 s by default, which let a slow client hold a connection up to that much
 * longer): here a quarter of the header limit, between 100 ms and 1 s, so a limit holds within a second.
 */
export function receiptTimeouts(
  limits: Pick<ServerLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>,
): Pick<ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'> {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(headersTimeout / 4))),
  };
}

/**
 * Closes a new connection that sends nothing for `ms`: Node's header timeout starts only with a request's
 * first byte, so a client could otherwise hold connections open without sending one. Once the connection's
 * first request has arrived the idle timer is off again (Node's own timeouts and keep-alive take over).
 */
export function closeSilentConnections(server: Server, ms: number): void {
  const awaitingFirstRequest = new WeakSet<Socket>();
  server.on('connection', (socket: Socket) => {
    awaitingFirstRequest.add(socket);
    // Node destroys a socket that times out when nothing else listens for its timeout.
    socket.setTimeout(ms);
  });
  server.on('request', (request: IncomingMessage) => {
    const socket = request.socket;
    if (!awaitingFirstRequest.delete(socket)) return;
    socket.setTimeout(server.timeout);
  });
}
