import { resourceTypes } from '@mekong/fhir';
import type { Interaction } from '@mekong/store';

/** One SMART-on-FHIR resource scope, understood: who it speaks for, which type, which interactions. */
export interface SmartScope {
  /** `patient/` needs a patient context; `user/` applies the user's roles; `system/` a client's. */
  readonly context: 'patient' | 'user' | 'system';
  /** A resource type or `*`. */
  readonly type: string;
  readonly interactions: readonly Interaction[];
  /** The scope as sent. */
  readonly scope: string;
}

/** A token's scopes sorted out. Only `resource` scopes grant anything. */
export interface ParsedScopes {
  readonly resource: readonly SmartScope[];
  /**
   * Look like resource scopes but are not well formed (`patient/Observation.reed`, or `patient/Observaton.read`,
   * a type FHIR R4 does not have): they grant nothing.
   */
  readonly invalid: readonly string[];
  /** Well formed but not enforceable here (v2 scopes with `?` search parameters): they grant nothing. */
  readonly unsupported: readonly string[];
  /** Any other scope (`openid`, `fhirUser`, `launch/patient`, `offline_access`). */
  readonly other: readonly string[];
}

const READ: Interaction[] = ['read', 'vread', 'search', 'history'];
const WRITE: Interaction[] = ['create', 'update', 'patch', 'delete'];
// SMART v2 letters, in the order the specification requires them.
const V2: readonly [string, readonly Interaction[]][] = [
  ['c', ['create']],
  ['r', ['read', 'vread', 'history']],
  ['u', ['update', 'patch']],
  ['d', ['delete']],
  ['s', ['search']],
];
const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Z][A-Za-z]{1,63}|\*)\.([a-z*]+)(\?.*)?$/;
const TYPES: ReadonlySet<string> = new Set(resourceTypes);

/**
 * Parses SMART App Launch scopes, v1 (`patient/*.read`, `user/Observation.write`, `system/*.*`) and v2
 * (`patient/Observation.rs`, letters `c r u d s` in that order). v1 `read` is read, vread, search and history;
 * `write` is create, update, patch and delete. v2 `r` is read, vread and history; `s` search; `u` update and
 * patch. Malformed resource scopes (an unknown resource type among them) and v2 scopes with search parameters
 * grant nothing.
 */
export function parseSmartScopes(scopes: readonly string[]): ParsedScopes {
  const resource: SmartScope[] = [];
  const invalid: string[] = [];
  const unsupported: string[] = [];
  const other: string[] = [];
  for (const scope of scopes) {
    if (!/^(patient|user|system)\//.test(scope)) {
      other.push(scope);
      continue;
    }
    const match = RESOURCE_SCOPE.exec(scope);
    const interactions = match ? interactionsOf(match[3] as string) : undefined;
    // A type FHIR R4 does not have grants nothing: it is malformed like any other typo.
    const type = match?.[2] as string;
    if (!match || !interactions || (type !== '*' && !TYPES.has(type))) {
      invalid.push(scope);
    } else if (match[4] !== undefined) {
      unsupported.push(scope);
    } else {
      resource.push({
        context: match[1] as SmartScope['context'],
        type,
        interactions,
        scope,
      });
    }
  }
  return { resource, invalid, unsupported, other };
}

function interactionsOf(permission: string): Interaction[] | undefined {
  if (permission === 'read') return READ;
  if (permission === 'write') return WRITE;
  if (permission === '*') return [...READ, ...WRITE];
  let rest = permission;
  const granted: Interaction[] = [];
  for (const [letter, interactions] of V2) {
    if (rest.startsWith(letter)) {
      granted.push(...interactions);
      rest = rest.slice(1);
    }
  }
  return rest === '' && granted.length > 0 ? granted : undefined;
}

/** Whether a token's scope list says anything about resources: if it does, scopes narrow the roles. */
export function hasResourceScopes(parsed: ParsedScopes): boolean {
  return parsed.resource.length + parsed.invalid.length + parsed.unsupported.length > 0;
}
