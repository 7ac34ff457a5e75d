import { connect } from 'node:net';
import type { Answer } from './security-host.js';

/**
 * Writes raw bytes to the server's socket, half-closes it, and parses whatever comes back (undefined when the
 * server closed without answering). Gives up after `timeoutMs`.
 */
export function rawRequest(
  url: string,
  bytes: string | Buffer,
  timeoutMs = 3_000,
  from?: { localAddress: string },
): Promise<Answer | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port), ...from });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of the answer within ${timeoutMs} ms to ${JSON.stringify(String(bytes).slice(0, 80))}`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset after the answer is the server closing: the answer is what counts
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parse(Buffer.concat(chunks).toString('utf8')));
    });
    socket.end(bytes);
  });
}

function parse(text: string): Answer | undefined {
  if (text === '') return undefined;
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 4);
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  // Only the first answer: a pipelined second request may have been answered after it.
  const length = headers['content-length'];
  const chunked = headers['transfer-encoding'] === 'chunked';
  const text2 = chunked
    ? dechunk(body)
    : length !== undefined
      ? Buffer.from(body).subarray(0, Number(length)).toString('utf8')
      : body;
  return { status, headers, text: text2, json: () => JSON.parse(text2) };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const line = rest.indexOf('\r\n');
    if (line === -1) return out;
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (!size) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}

/** What a slow client saw: when the server closed the connection (ms after connecting), and what it answered. */
export interface TrickleResult {
  /** Undefined when the server was still holding the connection after `giveUpMs`. */
  readonly closedAfterMs: number | undefined;
  readonly answer: Answer | undefined;
  /** How many bytes had been sent when the server closed. */
  readonly sent: number;
}

/**
 * A slowloris client: connects, sends `prefix` and the first byte of `trickled` at once, then the rest one byte
 * every `intervalMs`, until the server closes the connection or `giveUpMs` passes.
 */
export function trickle(
  url: string,
  options: { prefix?: string; trickled: string; intervalMs: number; giveUpMs: number },
): Promise<TrickleResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const started = performance.now();
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect({ host: hostname, port: Number(port) });
    const finish = (closedAfterMs: number | undefined) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedAfterMs, answer: parse(Buffer.concat(chunks).toString('utf8')), sent });
    };
    const giveUp = setTimeout(() => finish(undefined), options.giveUpMs);
    const next = () => {
      const at = sent - (options.prefix?.length ?? 0);
      if (at >= options.trickled.length || socket.destroyed) return;
      socket.write(options.trickled[at] as string);
      sent++;
    };
    socket.on('connect', () => {
      if (options.prefix) {
        socket.write(options.prefix);
        sent += options.prefix.length;
      }
      next();
      timer = setInterval(next, options.intervalMs);
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => finish(Math.round(performance.now() - started)));
  });
}

/** Opens a connection and keeps it open without sending anything; resolves once it is connected. */
export function idleConnection(url: string): Promise<{ closed: Promise<number>; close(): void }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host: hostname, port: Number(port) });
    const closed = new Promise<number>((done) => socket.on('close', () => done(performance.now() - started)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ closed, close: () => socket.destroy() }));
    socket.once('error', reject);
  });
}
