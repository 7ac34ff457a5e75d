import type { Cardinality, Extension, ExtensionPoint } from './extension-point.js';
import type { OptionalServiceRef, ServiceRef } from './service-ref.js';

/** Dependencies of a service factory: named service refs, optionally marked with `optional()`. */
export type ServiceDeps = Record<string, ServiceRef<unknown> | OptionalServiceRef<unknown>>;

/**
 * Dependencies of a plugin's init: services, and the extension points the plugin owns (resolved to the
 * contributions it received).
 */
export type InitDeps = Record<
  string,
  ServiceRef<unknown> | OptionalServiceRef<unknown> | ExtensionPoint<unknown, Cardinality>
>;

/** The value a dependency resolves to. */
export type ResolvedDep<R> =
  R extends OptionalServiceRef<infer T>
    ? T | undefined
    : R extends ServiceRef<infer T>
      ? T
      : R extends ExtensionPoint<infer T, infer C>
        ? C extends 'single'
          ? Extension<T>
          : readonly Extension<T>[]
        : never;

/** Maps a deps declaration to the values an init or factory receives. */
export type ResolvedDeps<D> = { readonly [K in keyof D]: ResolvedDep<D[K]> };
