import {
  type BootReport,
  createHost,
  type Extension,
  type ExtensionPoint,
  type Host,
  type HostConfig,
  MekongError,
  type Plugin,
  type ServiceFactory,
  type ServiceRef,
  type StopReport,
} from '@mekong/kernel';
import { registerCleanup, trackHost, untrackHost } from './cleanup.js';
import { type ExtensionPointFake, fakeOwners, type ReceivedContributions } from './extension-point-fakes.js';

/** Options of {@link startTestHost}. */
export interface TestHostOptions {
  plugins: readonly Plugin[];
  /** Host configuration. The log level defaults to `silent` (set `MEKONG_TEST_LOG_LEVEL` to see logs). */
  config?: HostConfig;
  /** Replacements for any service: a manual clock, a capturing logger, a fake of another plugin's service. */
  services?: readonly ServiceFactory[];
  /**
   * Extension points whose owner is faked, so a contribution is tested without its owner: each entry is
   * `[point]` or `[point, receive]`. A plugin posing as the owner (the id before the point id's first dot, at the
   * lowest version the plugins under test accept) registers the points; `receive` gets the contributions when
   * it inits, and {@link TestHost.contributions} returns them. Pre-flight checks the contributions as it would
   * against the real owner.
   */
  extensionPoints?: readonly ExtensionPointFake[];
}

/** A started host for a test. */
export interface TestHost {
  readonly host: Host;
  readonly report: BootReport;
  /** A root service of the host. */
  get<T>(ref: ServiceRef<T>): T;
  /** The contributions a faked extension point (see {@link TestHostOptions.extensionPoints}) received. */
  contributions<T>(point: ExtensionPoint<T>): readonly Extension<T>[];
  /** Stops the host now; otherwise it is stopped after the test file. */
  stop(): Promise<StopReport>;
}

// Every host a test file started is stopped after the file, by the runner's after-all hook when there is one.
await registerCleanup();

/**
 * Builds a host as a test would: silent logs unless asked, the test's service replacements, and fake owners of
 * the extension points in `extensionPoints`.
 */
export function createTestHost(options: TestHostOptions): Host {
  return buildTestHost(options, new Map()).host;
}

function buildTestHost(options: TestHostOptions, received: ReceivedContributions): { host: Host } {
  const config = options.config ?? {};
  const host = createHost({
    config: {
      ...config,
      kernel: { logLevel: (process.env.MEKONG_TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent', ...config.kernel },
    },
    services: options.services ?? [],
  });
  host.add(...options.plugins, ...fakeOwners(options.extensionPoints ?? [], options.plugins, received));
  return { host };
}

/**
 * Starts a host with the given plugins, config, service replacements and faked extension point owners, and stops
 * it automatically after the test file (see {@link stopTestHosts}). Rejects like `host.start()` does (a
 * `PreflightError` or `HostBootError`).
 *
 * @example
 * ```ts
 * const { report } = await startTestHost({ plugins: [triagePlugin, vitalSignsTriagePlugin] });
 * expect(report.plugins.every((p) => p.status === 'started')).toBe(true);
 * ```
 */
export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const received: ReceivedContributions = new Map();
  const { host } = buildTestHost(options, received);
  trackHost(host);
  const report = await host.start();
  return {
    host,
    report,
    get: (ref) => host.get(ref),
    contributions: <T>(point: ExtensionPoint<T>) => {
      const list = received.get(point);
      if (list) return list as readonly Extension<T>[];
      throw new MekongError({
        code: 'TEST_FAKE_UNKNOWN',
        message: `extension point '${point.id}' is not faked in this test host`,
        hint: 'list it in startTestHost({ extensionPoints: [[point]] }) to receive its contributions',
      });
    },
    stop: () => {
      untrackHost(host);
      return host.stop();
    },
  };
}
