import type { InitDeps, ResolvedDeps, ServiceDeps } from '../refs/deps.js';
import type { Cardinality, ExtensionPoint } from '../refs/extension-point.js';
import type { ServiceFactory } from '../refs/service-factory.js';

/** What a plugin's init receives beside its deps. */
export interface InitContext<TConfig> {
  readonly pluginId: string;
  readonly version: string;
  /** The plugin's configuration, validated against its schema with defaults applied. */
  readonly config: TConfig;
}

/** The one init of a plugin: typed deps and the function that receives them. */
export interface InitRegistration<TConfig, D extends InitDeps = InitDeps> {
  readonly deps: D;
  readonly init: (deps: ResolvedDeps<D>, context: InitContext<TConfig>) => void | Promise<void>;
}

/**
 * A contribution to an extension point. Give a plain `value`, or `create` with `deps` when the contribution
 * needs services or the contributor's config; `create` runs just before the owner's init.
 */
export type Contribution<T, D extends ServiceDeps = ServiceDeps, TConfig = unknown> =
  | { readonly priority?: number; readonly value: T }
  | {
      readonly priority?: number;
      readonly deps?: D;
      readonly create: (deps: ResolvedDeps<D>, context: InitContext<TConfig>) => T | Promise<T>;
    };

/**
 * The registration environment passed to `register(env)`. Everything here only declares: nothing runs until
 * pre-flight has accepted the whole deployment.
 */
export interface PluginEnv<TConfig> {
  /** The id of the plugin being registered. */
  readonly pluginId: string;
  /** Declares an extension point this plugin owns; it receives the contributions in its init deps. */
  registerExtensionPoint<T, C extends Cardinality>(point: ExtensionPoint<T, C>): void;
  /** Contributes to an extension point owned by a plugin this plugin depends on. */
  contribute<T, D extends ServiceDeps = Record<never, never>>(
    point: ExtensionPoint<T>,
    contribution: Contribution<T, D, TConfig>,
  ): void;
  /** Provides a root-scoped service to the plugins that depend on this one. */
  provideService<T, D extends ServiceDeps>(factory: ServiceFactory<T, D>): void;
  /** Declares the plugin's init and what it needs. At most one per plugin. */
  registerInit<D extends InitDeps>(registration: InitRegistration<TConfig, D>): void;
}
