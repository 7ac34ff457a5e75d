import autocannon from 'autocannon';

/** One request shape: a fixed method and headers, a path and body that may change per request. */
export interface Scenario {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  /** Called for every request: its path and body (the `i`-th request of the run). */
  readonly next: (i: number) => { path: string; body?: string };
  /** The status every response must have. */
  readonly status: number;
}

/** What one autocannon run measured. */
export interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Responses with another status than expected, connection errors and timeouts. */
  readonly failures: number;
}

/** Runs `scenario` against `url` with `connections` connections for `seconds` seconds. */
export async function load(url: string, scenario: Scenario, connections: number, seconds: number): Promise<Load> {
  let i = 0;
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
  const expected = result.statusCodeStats[String(scenario.status)]?.count ?? 0;
  return {
    rps: expected / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.requests.total - expected + result.errors + result.timeouts,
  };
}

/** Two runs of the same scenario as one: mean rate and percentiles, summed failures. */
export function combine(a: Load, b: Load): Load {
  return {
    rps: (a.rps + b.rps) / 2,
    p50: (a.p50 + b.p50) / 2,
    p99: (a.p99 + b.p99) / 2,
    failures: a.failures + b.failures,
  };
}
