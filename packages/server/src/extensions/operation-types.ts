import type { AnyResource } from '@mekong/fhir';
import type { ScopedStore } from '@mekong/store';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { z } from 'zod';
import type { Principal } from '../auth/index.js';
import type { RouteRequirements } from './route-types.js';

/** Where a FHIR operation is invoked: `[base]/$op`, `[base]/[type]/$op` or `[base]/[type]/[id]/$op`. */
export type OperationLevel = 'system' | 'type' | 'instance';

/** What an operation handler receives. */
export interface OperationContext<P = unknown> {
  /**
   * The input, validated by the operation's schema: built from a Parameters resource (POST; each parameter's
   * `value[x]`, `resource` or `part`s by name) or from the query string (GET; strings).
   */
  readonly params: P;
  readonly level: OperationLevel;
  /** The resource type of a type or instance invocation. */
  readonly resourceType?: string;
  /** The id of an instance invocation. */
  readonly id?: string;
  readonly principal: Principal;
  /** The store acting for the caller, narrowed to the types the plugin declares; every access audited. */
  readonly store: ScopedStore;
  readonly log: Logger;
  /** The FHIR base URL of this server, for absolute links. */
  readonly fhirBase: string;
}

/** What an operation answers: a resource (200), or a status with an optional resource. */
export type OperationResult = AnyResource | { readonly status: number; readonly resource?: AnyResource };

/**
 * A FHIR operation contributed by a plugin. Mounted at every level it names, for each resource type it lists;
 * invoked by POST (a Parameters body), and also by GET when it does not affect state.
 */
export interface FhirOperation<P = unknown> {
  /** The operation's code, with or without `$`: `everything`. */
  readonly name: string;
  readonly levels: readonly OperationLevel[];
  /** The resource types of type and instance invocations. */
  readonly resourceTypes?: readonly string[];
  /** The input schema; the operation takes no input without one. */
  readonly parameters?: z.ZodType<P>;
  /** Whether it changes data: such operations answer only POST. */
  readonly affectsState?: boolean;
  readonly summary?: string;
  readonly description?: string;
  /** What the caller needs beyond being allowed the operation by its roles. */
  readonly requires?: RouteRequirements;
  handler(context: OperationContext<P>): OperationResult | Promise<OperationResult>;
}

/** Defines an operation with its handler's input typed from its schema. */
export function defineOperation<P>(operation: FhirOperation<P>): FhirOperation {
  return operation as unknown as FhirOperation;
}
