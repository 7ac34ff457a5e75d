import type { Logger } from 'pino';
import { HostBootError, HostStateError, PluginTimeoutError, PreflightError } from '../errors/errors.js';
import { MekongError } from '../errors/mekong-error.js';
import type { PreflightProblem } from '../errors/preflight-problem.js';
import { collectDeclarations } from '../plugin/declarations.js';
import { isPlugin, type Plugin } from '../plugin/define-plugin.js';
import type { PluginManifest } from '../plugin/manifest.js';
import type { PluginEnv } from '../plugin/plugin-env.js';
import type { Extension, ExtensionPoint } from '../refs/extension-point.js';
import { isExtensionPoint } from '../refs/extension-point.js';
import { createServiceFactory, type ServiceFactory } from '../refs/service-factory.js';
import { isOptionalServiceRef, type ServiceRef } from '../refs/service-ref.js';
import { createConfigService } from '../services/config.js';
import { coreServices } from '../services/core-services.js';
import { defaultServiceFactories } from '../services/default-factories.js';
import { LifecycleHooks } from '../services/lifecycle.js';
import { KERNEL_VERSION } from '../version.js';
import type { BootPlan } from './boot-plan.js';
import type { BootReport, PluginBootReport, PluginStopReport, StopReport } from './boot-report.js';
import { runInDependencyOrder } from './dependency-graph.js';
import type { HostConfig } from './host-config.js';
import { PluginRuntime } from './plugin-runtime.js';
import { preflight } from './preflight.js';
import { ServiceContainers } from './service-containers.js';
import { withTimeout } from './with-timeout.js';

/** Options of {@link createHost}. */
export interface HostOptions {
  /** `kernel` settings, `plugins.<id>` plugin config, and sections for core services. */
  config?: HostConfig;
  /** Replacements for core services (a different logger, a fixed clock) or extra host services. */
  services?: readonly ServiceFactory[];
}

/** What a plugin declared, as the host lists it without running any init. */
export interface PluginOverview {
  readonly manifest: PluginManifest;
  readonly extensionPoints: readonly { id: string; cardinality: string }[];
  readonly contributions: readonly { point: string; priority: number }[];
  readonly services: readonly string[];
  /** Init dependency names and the service or extension point each refers to (`?` marks optional). */
  readonly initDeps: Readonly<Record<string, string>>;
}

/** The outcome of `host.check()`. */
export interface CheckResult {
  readonly ok: boolean;
  readonly problems: readonly PreflightProblem[];
  readonly plugins: readonly PluginOverview[];
}

/** A deployment: plugins, their config and the services they run on. */
export interface Host {
  /** Adds plugins. Only before `start()`. */
  add(...plugins: Plugin[]): Host;
  /** Runs pre-flight only: reports every problem and lists each plugin's declarations; runs no init. */
  check(): CheckResult;
  /**
   * Pre-flight, then init in dependency order, then start hooks. Resolves with the boot report. Rejects
   * with {@link PreflightError} (nothing ran) or {@link HostBootError} (a plugin under `abort` failed; what
   * had started was stopped).
   */
  start(): Promise<BootReport>;
  /** Runs shutdown hooks in reverse dependency order, each bounded by its timeout. Idempotent. */
  stop(): Promise<StopReport>;
  /** A root service of a started host, or one a started plugin provides (synchronous; cheap on hot paths). */
  get<T>(ref: ServiceRef<T>): T;
  /** The boot report, once `start()` has settled. */
  readonly report: BootReport | undefined;
  /**
   * The contributions to `point` given as plain values, by contributor in dependency order, read without running
   * any init: what tools need before a start (the migrations `mekong migrate` applies). Throws
   * {@link PreflightError} when the deployment does not pass pre-flight.
   */
  staticContributions<T>(point: ExtensionPoint<T>): { readonly pluginId: string; readonly value: T }[];
}

const INTERNAL_SERVICES: readonly ServiceRef<unknown>[] = [
  coreServices.config,
  coreServices.lifecycle,
  coreServices.rootLifecycle,
  coreServices.pluginStatus,
];

/**
 * Creates a host.
 *
 * @example
 * ```ts
 * const host = createHost({ config: { plugins: { triage: { alertLevel: 3 } } } });
 * host.add(triagePlugin, vitalSignsPlugin);
 * const report = await host.start();
 * console.log(formatBootReport(report));
 * ```
 */
export function createHost(options: HostOptions = {}): Host {
  return new MekongHost(options);
}

class MekongHost implements Host {
  private readonly plugins: Plugin[] = [];
  private readonly hostServices = new Map<ServiceRef<unknown>, ServiceFactory>();
  private readonly rootLifecycle = new LifecycleHooks();
  private readonly runtimes = new Map<string, PluginRuntime>();
  private state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';
  private plan: BootPlan | undefined;
  private containers: ServiceContainers | undefined;
  private starting: Promise<BootReport> | undefined;
  private stopping: Promise<StopReport> | undefined;
  private abortCause: { pluginId: string; error: unknown } | undefined;
  private readonly resolved = new Map<ServiceRef<unknown>, unknown>();
  report: BootReport | undefined;

  constructor(private readonly options: HostOptions) {
    for (const factory of defaultServiceFactories) this.hostServices.set(factory.service, factory);
    for (const factory of options.services ?? []) {
      if (INTERNAL_SERVICES.includes(factory.service)) {
        throw new HostStateError(
          `service '${factory.service.id}' belongs to the host and cannot be replaced`,
          'remove it from the services option',
        );
      }
      this.hostServices.set(factory.service, factory);
    }
    const plan = () => this.plan as BootPlan;
    this.hostServices.set(
      coreServices.config,
      createServiceFactory({
        service: coreServices.config,
        factory: () => createConfigService(plan().kernel, plan().config),
      }),
    );
    this.hostServices.set(
      coreServices.lifecycle,
      createServiceFactory({
        service: coreServices.lifecycle,
        factory: (_, { pluginId }) => (this.runtimes.get(pluginId as string) as PluginRuntime).lifecycle,
      }),
    );
    this.hostServices.set(
      coreServices.rootLifecycle,
      createServiceFactory({ service: coreServices.rootLifecycle, factory: () => this.rootLifecycle }),
    );
    this.hostServices.set(
      coreServices.pluginStatus,
      createServiceFactory({
        service: coreServices.pluginStatus,
        factory: () => ({
          status: (id: string) => this.runtimes.get(id)?.status ?? 'absent',
          manifest: (id: string) => this.runtimes.get(id)?.planned.plugin.manifest,
          report: () => this.report,
        }),
      }),
    );
  }

  add(...plugins: Plugin[]): Host {
    if (this.state !== 'idle') {
      throw new HostStateError(`cannot add plugins while the host is ${this.state}`, 'add every plugin before start()');
    }
    for (const plugin of plugins) {
      if (!isPlugin(plugin)) {
        throw new HostStateError(
          `host.add() received something that is not a plugin: ${JSON.stringify(plugin)?.slice(0, 80)}`,
          'pass the objects returned by definePlugin()',
        );
      }
      this.plugins.push(plugin);
    }
    return this;
  }

  check(): CheckResult {
    const { problems } = this.preflight();
    return { ok: problems.length === 0, problems, plugins: this.plugins.map(overview) };
  }

  staticContributions<T>(point: ExtensionPoint<T>): { readonly pluginId: string; readonly value: T }[] {
    const { problems, plan } = this.preflight();
    if (!plan) throw new PreflightError(problems);
    const contributions = plan.contributions.get(point as ExtensionPoint<unknown>) ?? [];
    return plan.order.flatMap((pluginId) =>
      contributions
        .filter((c) => c.pluginId === pluginId && c.contribution.static)
        .map((c) => ({ pluginId, value: c.contribution.create({}, undefined as never) as T })),
    );
  }

  start(): Promise<BootReport> {
    if (this.state !== 'idle') {
      return Promise.reject(new HostStateError(`cannot start a host that is ${this.state}`, 'create a new host'));
    }
    this.state = 'starting';
    this.starting = this.boot();
    return this.starting;
  }

  stop(): Promise<StopReport> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      return this.shutdown();
    })();
    return this.stopping;
  }

  get<T>(ref: ServiceRef<T>): T {
    if (this.state === 'running') {
      const instance = this.resolved.get(ref);
      if (instance !== undefined) return instance as T;
    }
    if (!this.containers || (this.state !== 'running' && this.state !== 'starting')) {
      throw new HostStateError(
        `cannot get service '${ref.id}': the host is ${this.state}`,
        'call get() on a started host',
      );
    }
    const instance = this.containers.get(ref);
    // Once running, which plugins are available no longer changes, so a singleton can be remembered.
    if (this.state === 'running') this.resolved.set(ref, instance);
    return instance;
  }

  private preflight() {
    return preflight({
      plugins: this.plugins,
      config: this.options.config ?? {},
      hostServices: this.hostServices,
      kernelVersion: KERNEL_VERSION,
    });
  }

  private async boot(): Promise<BootReport> {
    const startedAt = new Date();
    const t0 = performance.now();
    const { problems, plan } = this.preflight();
    if (!plan) {
      this.state = 'stopped';
      throw new PreflightError(problems);
    }
    this.plan = plan;
    for (const [id, planned] of plan.plugins) this.runtimes.set(id, new PluginRuntime(planned));
    const containers = new ServiceContainers(plan, (id) => this.runtimes.get(id)?.available ?? false);
    this.containers = containers;

    try {
      await containers.createRootServices();
    } catch (error) {
      this.abortCause = {
        pluginId: '<host>',
        error: new MekongError({
          code: 'ROOT_SERVICE_FAILED',
          message: `a root service failed to start: ${error instanceof Error ? error.message : String(error)}`,
          hint: 'check the configuration of the core services (database, logger) and the services option',
          cause: error,
        }),
      };
    }
    const log = this.abortCause ? undefined : containers.get(coreServices.rootLogger).child({ component: 'host' });

    if (!this.abortCause) {
      await runInDependencyOrder(plan.graph, (id) => this.initPlugin(id, log as Logger));
    }
    if (!this.abortCause) {
      await runInDependencyOrder(plan.graph, (id) => this.startPlugin(id, log as Logger));
    }
    const report = this.buildReport(this.abortCause ? 'aborted' : 'started', startedAt, t0);
    this.report = report;
    if (this.abortCause) {
      this.stopping = this.shutdown();
      await this.stopping;
      throw new HostBootError(this.abortCause.pluginId, report, this.abortCause.error);
    }
    this.state = 'running';
    log?.info({ totalMs: report.totalMs, plugins: report.plugins.length }, 'host started');
    return report;
  }

  private blockedBy(runtime: PluginRuntime): string | undefined {
    if (this.abortCause) return `boot aborted after '${this.abortCause.pluginId}' failed`;
    for (const dep of runtime.planned.requires) {
      const depRuntime = this.runtimes.get(dep) as PluginRuntime;
      if (!depRuntime.available) return `requires '${dep}', which ${depRuntime.status}`;
    }
    return undefined;
  }

  private handleFailure(runtime: PluginRuntime, error: unknown, log: Logger): void {
    runtime.fail(error);
    const policy = runtime.planned.settings.onPluginBootFailure;
    log.error({ plugin: runtime.planned.id, err: error, policy }, 'plugin failed to boot');
    if (policy === 'abort') this.abortCause ??= { pluginId: runtime.planned.id, error };
  }

  private async initPlugin(id: string, log: Logger): Promise<void> {
    const runtime = this.runtimes.get(id) as PluginRuntime;
    if (!runtime.available) return; // its contribution already failed it
    const blocked = this.blockedBy(runtime);
    if (blocked) return runtime.disable(blocked);
    const { planned } = runtime;
    const t = performance.now();
    runtime.touched = true;
    try {
      // The timeout covers everything done for this plugin: its deps, the contributions it receives, its init
      // and the services it provides.
      await withTimeout(
        async () => {
          const deps = await this.resolveInitDeps(runtime, log);
          if (!deps) return;
          const context = { pluginId: id, version: planned.version, config: planned.config };
          await planned.declarations.init?.init(deps as never, context);
          await (this.containers as ServiceContainers).createPluginServices(id);
        },
        planned.settings.initTimeoutMs,
        () => new PluginTimeoutError(id, 'init', planned.settings.initTimeoutMs),
      );
    } catch (error) {
      this.handleFailure(runtime, error, log);
    } finally {
      runtime.initMs = performance.now() - t;
    }
  }

  /** Services and contributions for a plugin's init; undefined when a contributor's failure aborted the boot. */
  private async resolveInitDeps(runtime: PluginRuntime, log: Logger): Promise<Record<string, unknown> | undefined> {
    const { planned } = runtime;
    const containers = this.containers as ServiceContainers;
    const declared = planned.declarations.init?.deps ?? {};
    const services = Object.fromEntries(Object.entries(declared).filter(([, dep]) => !isExtensionPoint(dep)));
    const deps = await containers.resolve(planned.id, services);
    for (const [key, point] of Object.entries(declared)) {
      if (!isExtensionPoint(point)) continue;
      const extensions: Extension<unknown>[] = [];
      for (const { pluginId, contribution } of this.plan?.contributions.get(point) ?? []) {
        const contributor = this.runtimes.get(pluginId) as PluginRuntime;
        if (!contributor.available || this.blockedBy(contributor)) continue;
        try {
          const { planned: by } = contributor;
          const context = { pluginId, version: by.version, config: by.config };
          const value = await contribution.create(await containers.resolve(pluginId, contribution.deps), context);
          extensions.push({ pluginId, priority: contribution.priority, value });
        } catch (error) {
          contributor.touched = true;
          this.handleFailure(
            contributor,
            new MekongError({
              code: 'CONTRIBUTION_FAILED',
              pluginId,
              message: `its contribution to '${point.id}' failed: ${error instanceof Error ? error.message : String(error)}`,
              hint: `fix the create() of the contribution of '${pluginId}' to '${point.id}'`,
              cause: error,
            }),
            log,
          );
        }
      }
      if (this.abortCause) {
        runtime.disable(`boot aborted after '${this.abortCause.pluginId}' failed`);
        return undefined;
      }
      if (point.cardinality === 'single') {
        if (extensions.length !== 1) {
          throw new MekongError({
            code: 'EXTENSION_POINT_MISSING',
            pluginId: planned.id,
            message: `extension point '${point.id}' lost its only contribution (the contributor failed)`,
            hint: 'fix the contributing plugin; see its entry in the boot report',
          });
        }
        deps[key] = extensions[0];
      } else {
        deps[key] = extensions;
      }
    }
    return deps;
  }

  private async startPlugin(id: string, log: Logger): Promise<void> {
    const runtime = this.runtimes.get(id) as PluginRuntime;
    if (!runtime.available) return;
    const blocked = this.blockedBy(runtime);
    if (blocked) return runtime.disable(blocked);
    const { settings } = runtime.planned;
    const t = performance.now();
    try {
      await withTimeout(
        async () => {
          for (const { hook } of runtime.lifecycle.startHooks) await hook();
        },
        settings.startTimeoutMs,
        () => new PluginTimeoutError(id, 'start', settings.startTimeoutMs),
      );
      runtime.status = 'started';
    } catch (error) {
      this.handleFailure(runtime, error, log);
    } finally {
      runtime.startMs = performance.now() - t;
    }
  }

  private async shutdown(): Promise<StopReport> {
    this.state = 'stopping';
    const t0 = performance.now();
    const stopped: PluginStopReport[] = [];
    const runHooks = async (id: string, hooks: LifecycleHooks, timeoutMs: number) => {
      const t = performance.now();
      const timedOut: string[] = [];
      const errors: string[] = [];
      for (const { hook, label } of [...hooks.shutdownHooks].reverse()) {
        try {
          await withTimeout(hook, timeoutMs, () => new PluginTimeoutError(id, 'stop', timeoutMs));
        } catch (error) {
          if (error instanceof PluginTimeoutError) timedOut.push(label);
          else errors.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      stopped.push({ id, stopMs: performance.now() - t, timedOut, errors });
    };
    if (this.plan) {
      await runInDependencyOrder(
        this.plan.graph,
        async (id) => {
          const runtime = this.runtimes.get(id) as PluginRuntime;
          if (runtime.touched) await runHooks(id, runtime.lifecycle, runtime.planned.settings.stopTimeoutMs);
        },
        { reverse: true },
      );
      await runHooks('<host>', this.rootLifecycle, this.plan.kernel.stopTimeoutMs);
    }
    this.state = 'stopped';
    const report: StopReport = { totalMs: performance.now() - t0, plugins: stopped };
    const log = this.report?.status === 'started' ? this.containers?.get(coreServices.rootLogger) : undefined;
    log?.info({ totalMs: report.totalMs }, 'host stopped');
    return report;
  }

  private buildReport(status: BootReport['status'], startedAt: Date, t0: number): BootReport {
    const plan = this.plan as BootPlan;
    return {
      status,
      kernelVersion: KERNEL_VERSION,
      startedAt: startedAt.toISOString(),
      totalMs: performance.now() - t0,
      plugins: plan.order.map((id) => {
        const runtime = this.runtimes.get(id) as PluginRuntime;
        if (runtime.status === 'pending') runtime.disable(this.blockedBy(runtime) ?? 'not started');
        const status = runtime.status as PluginBootReport['status'];
        return {
          id,
          version: runtime.planned.version,
          status,
          onPluginBootFailure: runtime.planned.settings.onPluginBootFailure,
          dependsOn: plan.graph.get(id) ?? [],
          ...(runtime.reason === undefined ? {} : { reason: runtime.reason }),
          ...(runtime.errorCode === undefined ? {} : { errorCode: runtime.errorCode }),
          ...(runtime.initMs === undefined ? {} : { initMs: runtime.initMs }),
          ...(runtime.startMs === undefined ? {} : { startMs: runtime.startMs }),
        };
      }),
    };
  }
}

function overview(plugin: Plugin): PluginOverview {
  let declared: ReturnType<typeof collectDeclarations> | undefined;
  try {
    declared = collectDeclarations(plugin.manifest.id, plugin.register as (env: PluginEnv<unknown>) => void);
  } catch {
    declared = undefined;
  }
  return {
    manifest: plugin.manifest,
    extensionPoints: declared?.extensionPoints.map((p) => ({ id: p.id, cardinality: p.cardinality })) ?? [],
    contributions: declared?.contributions.map((c) => ({ point: c.point.id, priority: c.priority })) ?? [],
    services: declared?.services.map((s) => s.service.id) ?? [],
    initDeps: Object.fromEntries(
      Object.entries(declared?.init?.deps ?? {}).map(([key, dep]) => [
        key,
        isOptionalServiceRef(dep) ? `${dep.ref.id}?` : (dep as { id: string }).id,
      ]),
    ),
  };
}
