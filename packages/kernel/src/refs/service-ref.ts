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
  /**
   * A readable name used in error messages and reports, prefixed with its owner's id: `pharmacy.formulary`
   * (the kernel's own services are `core.*`). Pre-flight refuses a plugin providing a service whose id lacks
   * its prefix, and reports two distinct refs with one id as two copies of the package that defines them.
   */
  readonly id: string;
  readonly scope: ServiceScope;
  /** Type carrier only; never set at run time. */
  readonly $$service?: T;
}

/** Options of {@link createServiceRef}. */
export interface ServiceRefOptions {
  /** `<owner-plugin-id>.<service>`, for example `pharmacy.formulary`; pre-flight refuses any other prefix. */
  id: string;
  /** Defaults to `root`. */
  scope?: ServiceScope;
}

/**
 * Creates a typed service reference.
 *
 * @example
 * ```ts
 * export const triageAssessmentServiceRef = createServiceRef<TriageService>({ id: 'triage.assessment' });
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
