/**
 * How many contributions an extension point takes. `single`: exactly one plugin contributes (a second one is
 * a pre-flight error naming both). `multiple`: any number, ordered by priority (higher first), then by plugin
 * id, so the order never depends on the order plugins were added.
 */
export type Cardinality = 'single' | 'multiple';

/**
 * A typed extension point, owned by the one plugin that registers it. Other plugins contribute values of
 * type `T` to it; the owner receives them in its init.
 */
export interface ExtensionPoint<T, C extends Cardinality = Cardinality> {
  readonly $$type: '@mekong/ExtensionPoint';
  /**
   * `<owner-plugin-id>.<point>`, for example `pharmacy.interactionCheckers`: pre-flight refuses a plugin
   * registering a point whose id lacks its prefix, and reports two distinct points with one id as two copies
   * of the package that defines them.
   */
  readonly id: string;
  readonly cardinality: C;
  /** Type carrier only; never set at run time. */
  readonly $$contribution?: T;
}

/**
 * Creates a typed extension point. The cardinality parameter defaults to `multiple`; for `single`, name it
 * in the type arguments too: `createExtensionPoint<Formatter, 'single'>({ id, cardinality: 'single' })`.
 *
 * @example
 * ```ts
 * export const triageRulesExtensionPoint = createExtensionPoint<TriageRule>({ id: 'triage.rules', cardinality: 'multiple' });
 * ```
 */
export function createExtensionPoint<T, C extends Cardinality = 'multiple'>(options: {
  id: string;
  cardinality: C;
}): ExtensionPoint<T, C> {
  return Object.freeze({ $$type: '@mekong/ExtensionPoint' as const, id: options.id, cardinality: options.cardinality });
}

/** Tells an extension point from other values. */
export function isExtensionPoint(value: unknown): value is ExtensionPoint<unknown> {
  return (value as { $$type?: unknown } | null)?.$$type === '@mekong/ExtensionPoint';
}

/** One contribution as the owner of the extension point receives it. */
export interface Extension<T> {
  /** The contributing plugin. */
  readonly pluginId: string;
  readonly priority: number;
  readonly value: T;
}
