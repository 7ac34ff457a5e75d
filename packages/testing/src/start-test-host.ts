import {
  type BootReport,
  createHost,
  type Host,
  type HostConfig,
  type Plugin,
  type ServiceFactory,
  type ServiceRef,
  type StopReport,
} from '@mekong/kernel';
import { afterAll } from 'vitest';

/** Options of {@link startTestHost}. */
export interface TestHostOptions {
  plugins: readonly Plugin[];
  /** Host configuration. The log level defaults to `silent` (set `MEKONG_TEST_LOG_LEVEL` to see logs). */
  config?: HostConfig;
  /** Replacements for any service: a manual clock, a capturing logger, a fake of another plugin's service. */
  services?: readonly ServiceFactory[];
}

/** A started host for a test. */
export interface TestHost {
  readonly host: Host;
  readonly report: BootReport;
  /** A root service of the host. */
  get<T>(ref: ServiceRef<T>): T;
  /** Stops the host now; otherwise it is stopped after the test file. */
  stop(): Promise<StopReport>;
}

const started = new Set<Host>();

// Registered when a test file imports this module: every host it started is stopped after the file.
afterAll(async () => {
  const hosts = [...started];
  started.clear();
  await Promise.all(hosts.map((host) => host.stop()));
});

/** Builds a host as a test would: silent logs unless asked, and the test's service replacements. */
export function createTestHost(options: TestHostOptions): Host {
  const config = options.config ?? {};
  const host = createHost({
    config: {
      ...config,
      kernel: { logLevel: (process.env.MEKONG_TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent', ...config.kernel },
    },
    services: options.services ?? [],
  });
  host.add(...options.plugins);
  return host;
}

/**
 * Starts a host with the given plugins, config and service replacements, and stops it automatically after
 * the test file. Rejects like `host.start()` does (a `PreflightError` or `HostBootError`).
 *
 * @example
 * ```ts
 * const { report } = await startTestHost({ plugins: [triagePlugin, vitalSignsTriagePlugin] });
 * expect(report.plugins.every((p) => p.status === 'started')).toBe(true);
 * ```
 */
export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const host = createTestHost(options);
  started.add(host);
  const report = await host.start();
  return {
    host,
    report,
    get: (ref) => host.get(ref),
    stop: () => {
      started.delete(host);
      return host.stop();
    },
  };
}
