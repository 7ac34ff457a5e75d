/**
 * Where a service instance lives: `root` services have one instance per host; `plugin` services have one
 * instance per plugin that uses them (a logger that names its plugin, a store handle limited to the plugin's
 * declared resource types).
 */
export type ServiceScope = 'root' | 'plugin';

/**
 * A typed handle on a service. The object itself is the identity: two refs with the same `id` are two
 * different services, so no plugin ever resolves anything by a string.
 */
export interface ServiceRef<T> {
  readonly $$type: '@mekong/ServiceRef';
  /** A readable name used in error messages and reports, for example `core.logger`. */
  readonly id: string;
  readonly scope: ServiceScope;
  /** Type carrier only; never set at run time. */
  readonly $$service?: T;
}

/** Options of {@link createServiceRef}. */
export interface ServiceRefOptions {
  /** A readable name for errors and reports; by convention `<plugin-id>.<service>`. */
  id: string;
  /** Defaults to `root`. */
  scope?: ServiceScope;
}

/**
 * Creates a typed service reference.
 *
 * @example
 * ```ts
 * export const triageService = createServiceRef<TriageService>({ id: 'triage.service' });
 * ```
 */
export function createServiceRef<T>(options: ServiceRefOptions): ServiceRef<T> {
  return Object.freeze({
    $$type: '@mekong/ServiceRef' as const,
    id: options.id,
    scope: options.scope ?? 'root',
  });
}

/** A dependency that resolves to `undefined` when no installed plugin provides the service. */
export interface OptionalServiceRef<T> {
  readonly $$type: '@mekong/OptionalServiceRef';
  readonly ref: ServiceRef<T>;
}

/**
 * Marks a service dependency as optional: the init receives `undefined` when the providing plugin is not
 * installed, was disabled, or failed under the `continue` policy. Use it with an `optionalDependencies` entry.
 */
export function optional<T>(ref: ServiceRef<T>): OptionalServiceRef<T> {
  return Object.freeze({ $$type: '@mekong/OptionalServiceRef' as const, ref });
}

/** Tells a service ref from other values. */
export function isServiceRef(value: unknown): value is ServiceRef<unknown> {
  return (value as { $$type?: unknown } | null)?.$$type === '@mekong/ServiceRef';
}

/** Tells an optional service dependency from other values. */
export function isOptionalServiceRef(value: unknown): value is OptionalServiceRef<unknown> {
  return (value as { $$type?: unknown } | null)?.$$type === '@mekong/OptionalServiceRef';
}
