import type { PluginManifest } from '../plugin/manifest.js';
import type { ResolvedDeps, ServiceDeps } from './deps.js';
import type { ServiceRef } from './service-ref.js';

/**
 * What a plugin-scoped service factory learns about the plugin it creates an instance for. The host sets it:
 * a plugin cannot pose as another.
 */
export interface ServiceContext {
  /** The consuming plugin's id, or undefined for root-scoped services. */
  readonly pluginId: string | undefined;
  /** The consuming plugin's manifest (its declared capabilities), or undefined for root-scoped services. */
  readonly manifest: PluginManifest | undefined;
}

/**
 * How to create a service: the ref it implements, the services it needs, and a factory. Root-scoped
 * factories run once per host; plugin-scoped ones once per consuming plugin.
 */
export interface ServiceFactory<T = unknown, D extends ServiceDeps = ServiceDeps> {
  readonly $$type: '@mekong/ServiceFactory';
  readonly service: ServiceRef<T>;
  readonly deps: D;
  readonly factory: (deps: ResolvedDeps<D>, context: ServiceContext) => T | Promise<T>;
}

/**
 * Declares how a service is created. Used by plugins (`env.provideService`) and by hosts and tests to
 * replace a core service (`createHost({ services: [...] })`, `startTestHost({ services: [...] })`).
 */
export function createServiceFactory<T, D extends ServiceDeps = Record<never, never>>(options: {
  service: ServiceRef<T>;
  deps?: D;
  factory: (deps: ResolvedDeps<D>, context: ServiceContext) => T | Promise<T>;
}): ServiceFactory<T, D> {
  return Object.freeze({
    $$type: '@mekong/ServiceFactory' as const,
    service: options.service,
    deps: (options.deps ?? {}) as D,
    factory: options.factory,
  });
}
