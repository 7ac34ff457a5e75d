import autocannon from 'autocannon';
import type { CpuMeter } from './cpu.js';

/** One request shape: a fixed method and headers, a path and body that may change per request. */
export interface Scenario {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  /** Called for every request: its path and body (the `i`-th request of the run). */
  readonly next: (i: number) => { path: string; body?: string };
  /** The status every response must have. */
  readonly status: number;
}

/** What one autocannon run (or several, combined) measured. */
export interface Load {
  /** Responses with the expected status. */
  readonly requests: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  /** Responses with another status than expected, connection errors and timeouts. */
  readonly failures: number;
  /** CPU milliseconds of the server process and of its database backends during the run. */
  readonly serverCpuMs: number;
  readonly databaseCpuMs: number;
}

/** Requests per second. */
export const rps = (l: Load): number => l.requests / l.seconds;
/** CPU microseconds per request, of the server process and of its database backends. */
export const cpuPerRequest = (l: Load) => ({
  server: (l.serverCpuMs * 1000) / l.requests,
  database: (l.databaseCpuMs * 1000) / l.requests,
});

/** Runs `scenario` against `url` with `connections` connections for `seconds` seconds. */
export async function load(
  url: string,
  scenario: Scenario,
  connections: number,
  seconds: number,
  meter?: CpuMeter,
): Promise<Load> {
  let i = 0;
  await meter?.start();
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 30,
    headers: scenario.headers,
    requests: [
      {
        method: scenario.method,
        setupRequest: (request) => ({ ...request, ...scenario.next(i++) }),
      },
    ],
  });
  const cpu = (await meter?.stop()) ?? { serverMs: Number.NaN, databaseMs: Number.NaN };
  const expected = result.statusCodeStats[String(scenario.status)]?.count ?? 0;
  return {
    requests: expected,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.requests.total - expected + result.errors + result.timeouts,
    serverCpuMs: cpu.serverMs,
    databaseCpuMs: cpu.databaseMs,
  };
}

/** Two runs of the same scenario as one: summed counts and times, mean percentiles. */
export function combine(a: Load, b: Load): Load {
  return {
    requests: a.requests + b.requests,
    seconds: a.seconds + b.seconds,
    p50: (a.p50 + b.p50) / 2,
    p99: (a.p99 + b.p99) / 2,
    failures: a.failures + b.failures,
    serverCpuMs: a.serverCpuMs + b.serverCpuMs,
    databaseCpuMs: a.databaseCpuMs + b.databaseCpuMs,
  };
}
