import { resolveElementPath } from '@mekong/fhir';
import type { ResourceRule } from './access-policy.js';

/**
 * A rule as it applies to one resource type: a `*` rule becomes a rule for `type` that keeps only the hidden and
 * read-only paths the type has (a `*` rule's `telecom` means nothing on Observation, and a rule for Observation
 * naming it would be refused). Any other rule is returned as it is. For code that folds `*` rules into named
 * ones, as the server does with roles and SMART scopes.
 */
export function ruleForType(rule: ResourceRule, type: string): ResourceRule {
  if (rule.type !== '*' || type === '*') return rule;
  const has = (path: string) => resolveElementPath(type, path).ok;
  const { hiddenFields, readonlyFields, ...rest } = rule;
  const hidden = hiddenFields?.filter(has) ?? [];
  const readonly = readonlyFields?.filter(has) ?? [];
  return {
    ...rest,
    type,
    ...(hidden.length > 0 ? { hiddenFields: hidden } : {}),
    ...(readonly.length > 0 ? { readonlyFields: readonly } : {}),
  };
}
