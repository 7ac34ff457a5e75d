import type { PluginDeclarations } from '../plugin/declarations.js';
import type { Plugin } from '../plugin/define-plugin.js';
import type { ExtensionPoint } from '../refs/extension-point.js';
import type { ServiceFactory } from '../refs/service-factory.js';
import type { ServiceRef } from '../refs/service-ref.js';
import type { DependencyGraph } from './dependency-graph.js';
import type { KernelConfig, PluginBootSettings } from './host-config.js';

/** One plugin as pre-flight accepted it. */
export interface PlannedPlugin {
  readonly plugin: Plugin;
  readonly id: string;
  readonly version: string;
  readonly declarations: PluginDeclarations;
  /** The plugin's validated config. */
  readonly config: unknown;
  readonly settings: PluginBootSettings;
  /** Installed required dependencies. */
  readonly requires: readonly string[];
  /** Installed optional dependencies. */
  readonly uses: readonly string[];
}

/** A contribution with its contributor, in the order the owner receives it. */
export interface PlannedContribution {
  readonly pluginId: string;
  readonly contribution: PluginDeclarations['contributions'][number];
}

/** Everything the host needs to boot, derived once by pre-flight. */
export interface BootPlan {
  readonly kernel: KernelConfig;
  readonly config: Readonly<Record<string, unknown>>;
  readonly plugins: ReadonlyMap<string, PlannedPlugin>;
  /** Dependencies before dependents; ties by id. */
  readonly order: readonly string[];
  readonly graph: DependencyGraph;
  /** Service factories the host provides (defaults, replaced by the host's overrides). */
  readonly hostServices: ReadonlyMap<ServiceRef<unknown>, ServiceFactory>;
  /** Services provided by plugins, and by which. */
  readonly pluginServices: ReadonlyMap<ServiceRef<unknown>, { pluginId: string; factory: ServiceFactory }>;
  readonly extensionOwners: ReadonlyMap<ExtensionPoint<unknown>, string>;
  readonly contributions: ReadonlyMap<ExtensionPoint<unknown>, readonly PlannedContribution[]>;
}
