import { Container } from 'inversify';
import { ServiceUnavailableError } from '../errors/errors.js';
import type { ServiceDeps } from '../refs/deps.js';
import type { ServiceFactory } from '../refs/service-factory.js';
import { isOptionalServiceRef, type ServiceRef } from '../refs/service-ref.js';
import type { BootPlan, PlannedPlugin } from './boot-plan.js';

/**
 * The inversify containers behind the typed refs: one root container for root services, and one child per
 * plugin holding its plugin-scoped instances, the services it provides, and the services of the plugins it
 * depends on. A plugin's container has no binding for anything else, so it resolves only what it declared.
 */
export class ServiceContainers {
  private readonly root = new Container();
  private readonly children = new Map<string, Container>();
  private readonly symbols = new WeakMap<ServiceRef<unknown>, symbol>();

  constructor(
    private readonly plan: BootPlan,
    /** Whether a plugin is still usable (not failed or disabled). */
    private readonly isAvailable: (pluginId: string) => boolean,
  ) {
    for (const factory of plan.hostServices.values()) {
      if (factory.service.scope === 'root') this.bind(this.root, factory, undefined);
    }
    for (const [id, planned] of plan.plugins) {
      const child = new Container({ parent: this.root });
      for (const factory of this.pluginScopedNeeds(planned)) this.bind(child, factory, id);
      for (const factory of planned.declarations.services) this.bind(child, factory, id, id);
      for (const dep of [...planned.requires, ...planned.uses]) {
        for (const [ref, provided] of plan.pluginServices) {
          if (provided.pluginId !== dep) continue;
          if (ref.scope === 'plugin') {
            // One instance per consumer: the provider's deps, the consumer's identity.
            this.bind(child, provided.factory, id, dep);
            continue;
          }
          child
            .bind(this.symbolOf(ref))
            .toDynamicValue(() => this.containerOf(dep).getAsync(this.symbolOf(ref)))
            .inSingletonScope();
        }
      }
      this.children.set(id, child);
    }
  }

  /** The plugin-scoped host services a plugin's declarations need, directly or through other such services. */
  private pluginScopedNeeds(planned: PlannedPlugin): ServiceFactory[] {
    const { declarations } = planned;
    const pending = [
      declarations.init?.deps ?? {},
      ...declarations.contributions.map((c) => c.deps),
      ...declarations.services.map((f) => f.deps),
    ].flatMap((deps) => Object.values(deps));
    const needed = new Set<ServiceFactory>();
    while (pending.length > 0) {
      const dep = pending.pop();
      const ref = (isOptionalServiceRef(dep) ? dep.ref : dep) as ServiceRef<unknown>;
      const factory = this.plan.hostServices.get(ref);
      if (factory?.service.scope !== 'plugin' || needed.has(factory)) continue;
      needed.add(factory);
      pending.push(...Object.values(factory.deps));
    }
    return [...needed];
  }

  /** Creates every root service now, so a failing one stops the boot before any plugin runs. */
  async createRootServices(): Promise<void> {
    for (const factory of this.plan.hostServices.values()) {
      if (factory.service.scope === 'root') await this.root.getAsync(this.symbolOf(factory.service));
    }
  }

  /** Creates the root services a plugin provides, right after its init, so a failing factory fails its plugin. */
  async createPluginServices(pluginId: string): Promise<void> {
    for (const factory of this.plan.plugins.get(pluginId)?.declarations.services ?? []) {
      if (factory.service.scope === 'root') await this.containerOf(pluginId).getAsync(this.symbolOf(factory.service));
    }
  }

  /**
   * A root service of the host, or a service of a started plugin. Synchronous (both are created during
   * boot), so it is cheap enough for hot paths.
   */
  get<T>(ref: ServiceRef<T>): T {
    const symbol = this.symbols.get(ref);
    const provider = this.plan.pluginServices.get(ref)?.pluginId;
    if (ref.scope !== 'root' || symbol === undefined) {
      throw new ServiceUnavailableError(
        ref.id,
        ref.scope === 'root' ? 'neither the host nor an installed plugin provides it' : 'it is plugin-scoped',
        'ask for a root service; plugins receive services through their init deps',
      );
    }
    if (provider === undefined) return this.root.get<T>(symbol);
    if (!this.isAvailable(provider)) {
      throw new ServiceUnavailableError(ref.id, `its plugin '${provider}' is not running`, 'see the boot report');
    }
    return this.containerOf(provider).get<T>(symbol);
  }

  /** Resolves a deps declaration (services only) for one plugin, or for the host when `pluginId` is undefined. */
  async resolve(pluginId: string | undefined, deps: ServiceDeps | object): Promise<Record<string, unknown>> {
    const container = pluginId === undefined ? this.root : this.containerOf(pluginId);
    const values: Record<string, unknown> = {};
    for (const [key, dep] of Object.entries(deps)) {
      const isOptional = isOptionalServiceRef(dep);
      const ref = (isOptional ? dep.ref : dep) as ServiceRef<unknown>;
      const provider = this.plan.pluginServices.get(ref)?.pluginId;
      const absent =
        !this.plan.hostServices.has(ref) &&
        (provider === undefined || !this.plan.plugins.has(provider) || !this.isAvailable(provider));
      values[key] = isOptional && absent ? undefined : await container.getAsync(this.symbolOf(ref));
    }
    return values;
  }

  /**
   * Binds a factory in `container` for the consumer `pluginId`; its deps resolve in the provider's container
   * (`providerId`, the consumer itself for host factories).
   */
  private bind(
    container: Container,
    factory: ServiceFactory,
    pluginId: string | undefined,
    providerId = pluginId,
  ): void {
    const manifest = pluginId === undefined ? undefined : this.plan.plugins.get(pluginId)?.plugin.manifest;
    const context = {
      pluginId: factory.service.scope === 'plugin' ? pluginId : providerId,
      manifest: factory.service.scope === 'plugin' ? manifest : undefined,
    };
    container
      .bind(this.symbolOf(factory.service))
      .toDynamicValue(async () => factory.factory(await this.resolve(providerId, factory.deps), context))
      .inSingletonScope();
  }

  private containerOf(pluginId: string): Container {
    return this.children.get(pluginId) as Container;
  }

  private symbolOf(ref: ServiceRef<unknown>): symbol {
    let symbol = this.symbols.get(ref);
    if (!symbol) {
      symbol = Symbol(ref.id);
      this.symbols.set(ref, symbol);
    }
    return symbol;
  }
}
