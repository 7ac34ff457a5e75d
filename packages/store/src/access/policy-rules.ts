import { resolveElementPath } from '@mekong/fhir';
import { type AccessPolicy, type Interaction, WRITE_INTERACTIONS } from './access-policy.js';

/** The rules of a policy that apply to one resource type: those naming it, and `*` rules. */
export function rulesFor(policy: AccessPolicy, type: string) {
  return policy.rules.filter((rule) => rule.type === type || rule.type === '*');
}

/** Whether the policy allows the interaction on the type. No rule makes AuditEvent writable. */
export function allows(policy: AccessPolicy, type: string, interaction: Interaction): boolean {
  if (type === 'AuditEvent' && WRITE_INTERACTIONS.includes(interaction)) return false;
  return rulesFor(policy, type).some((rule) => rule.interactions.includes(interaction));
}

/** What a policy hides and protects in one type, worked out once. */
interface Fields {
  /** JSON properties the caller may not see (every form of a choice, primitives with their `_` companion). */
  readonly hidden: string[];
  /** The hidden elements as FHIR names them (a choice by its base), for comparing with search parameters. */
  readonly hiddenElements: string[];
  /** JSON properties the caller may not change: read-only and hidden ones alike. */
  readonly protected: string[];
}

// Policies are immutable and serve many calls (a request's, a key's): resolve their paths once per type.
const fieldsOf = new WeakMap<AccessPolicy, Map<string, Fields>>();

function fields(policy: AccessPolicy, type: string): Fields {
  let byType = fieldsOf.get(policy);
  if (!byType) {
    byType = new Map();
    fieldsOf.set(policy, byType);
  }
  let found = byType.get(type);
  if (!found) {
    const rules = rulesFor(policy, type);
    const hidden = rules.flatMap((rule) => rule.hiddenFields ?? []);
    const readonly = rules.flatMap((rule) => rule.readonlyFields ?? []);
    found = {
      hidden: propertiesOf(type, hidden),
      hiddenElements: [...new Set(hidden.map((path) => elementOf(type, path)))],
      protected: propertiesOf(type, [...readonly, ...hidden]),
    };
    byType.set(type, found);
  }
  return found;
}

// A path the type lacks (a `*` rule's `telecom` on Observation) is kept as written: it matches nothing there.
function propertiesOf(type: string, paths: readonly string[]): string[] {
  return [
    ...new Set(
      paths.flatMap((path) => {
        const resolved = resolveElementPath(type, path);
        return resolved.ok ? resolved.properties : [path];
      }),
    ),
  ];
}

function elementOf(type: string, path: string): string {
  const resolved = resolveElementPath(type, path);
  return resolved.ok ? resolved.element : path;
}

/** The JSON properties of the type the caller may not see, dotted. */
export function hiddenFieldsOf(policy: AccessPolicy, type: string): string[] {
  return fields(policy, type).hidden;
}

/** The elements of the type the caller may not see, as FHIR names them (`deceased` for `deceasedBoolean`). */
export function hiddenElementsOf(policy: AccessPolicy, type: string): string[] {
  return fields(policy, type).hiddenElements;
}

/** The JSON properties of the type the caller may not change: read-only and hidden ones alike. */
export function protectedFieldsOf(policy: AccessPolicy, type: string): string[] {
  return fields(policy, type).protected;
}
