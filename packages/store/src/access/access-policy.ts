import type { ResourceGrant } from './access-context.js';

/** A FHIR interaction a policy can allow. Reading covers read, vread, search and history; writing the rest. */
export type Interaction = 'read' | 'vread' | 'search' | 'history' | 'create' | 'update' | 'patch' | 'delete';

/** The interactions reading covers. */
export const READ_INTERACTIONS: readonly Interaction[] = ['read', 'vread', 'search', 'history'];
/** The interactions writing covers. */
export const WRITE_INTERACTIONS: readonly Interaction[] = ['create', 'update', 'patch', 'delete'];

/**
 * What a caller may do with one resource type (or every type, `*`). Field paths are element names of the FHIR
 * R4 resource, dotted from the resource through arrays, backbone elements and datatypes (`telecom`,
 * `contact.telecom`, `name.family`, `meta.security`); a choice is named by its base for every form (`deceased`)
 * or by one form (`deceasedBoolean`), and a primitive's path covers its `_` companion. The store refuses a path
 * that names no element of the type (for `*`, of any type) with an `InvalidAccessPolicyError`.
 */
export interface ResourceRule {
  /** A FHIR resource type, or `*` for every type. */
  readonly type: string;
  readonly interactions: readonly Interaction[];
  /** Element paths removed from every resource the caller receives; searching by them is refused. */
  readonly hiddenFields?: readonly string[];
  /** Element paths a write by the caller may not change: the stored value is kept. */
  readonly readonlyFields?: readonly string[];
}

/**
 * What a caller (a user, a system, a plugin) may do: deny by default, each rule allowing interactions on a
 * resource type. With a `compartment`, only resources about those patients are visible or writable.
 */
export interface AccessPolicy {
  readonly rules: readonly ResourceRule[];
  /** `Patient/id` references: the caller sees and writes only these patients' data. */
  readonly compartment?: readonly string[];
}

/** The policy of a plugin's manifest grant: its read types may be read, its write types written. */
export function policyFromGrant(grant: ResourceGrant): AccessPolicy {
  const types = new Set([...grant.read, ...grant.write]);
  return {
    rules: [...types].map((type) => ({
      type,
      interactions: [
        ...(grant.read.includes(type) ? READ_INTERACTIONS : []),
        ...(grant.write.includes(type) ? WRITE_INTERACTIONS : []),
      ],
    })),
  };
}
