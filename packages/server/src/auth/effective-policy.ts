import { resolveElementPath } from '@mekong/fhir';
import { type AccessPolicy, type Interaction, type ResourceRule, ruleForType } from '@mekong/store';
import type { SmartScope } from './smart-scopes.js';

const ALL: readonly Interaction[] = ['read', 'vread', 'search', 'history', 'create', 'update', 'patch', 'delete'];
const READS = new Set<Interaction>(['read', 'vread', 'search', 'history']);

/** A granted role with its compartment resolved: `undefined` when it sees every patient. */
export interface ResolvedRole {
  readonly name: string;
  readonly admin: boolean;
  readonly rules: readonly ResourceRule[];
  readonly operations: readonly string[];
  readonly compartment?: readonly string[];
}

/** What a principal may do, computed from its roles, its scopes and its context. */
export interface Grant {
  readonly policy: AccessPolicy;
  readonly admin: boolean;
  readonly operations: readonly string[];
}

/**
 * The effective grant: the roles' rules added up, narrowed to what the SMART scopes allow when there are any
 * (an intersection: scopes never add to roles), bounded by the compartments. Compartment-bound roles bound the
 * whole principal (the store has one compartment per policy): the union of their patients, intersected with
 * `context` (an API key's patients, or the patient of `patient/` scopes). An empty compartment allows nothing.
 * Every non-administrator has `meta.security` read-only: security labels are set by administrators.
 */
export function effectiveGrant(input: {
  roles: readonly ResolvedRole[];
  scopes?: readonly SmartScope[];
  context?: readonly string[];
}): Grant {
  const roleRules = input.roles.flatMap((role) => role.rules);
  const rules = merge(input.scopes ? roleRules.flatMap((rule) => narrow(rule, input.scopes ?? [])) : roleRules);
  const bound = input.roles.filter((role) => role.compartment !== undefined);
  let compartment: string[] | undefined = bound.length
    ? [...new Set(bound.flatMap((role) => role.compartment ?? []))]
    : undefined;
  if (input.context) {
    const context = input.context;
    compartment = compartment ? compartment.filter((patient) => context.includes(patient)) : [...new Set(context)];
  }
  if (compartment?.length === 0) return { policy: { rules: [], compartment }, admin: false, operations: [] };
  const everything = rules.some((rule) => rule.type === '*' && ALL.every((i) => rule.interactions.includes(i)));
  const admin = input.roles.some((role) => role.admin) && everything && compartment === undefined;
  const operations = [...new Set(input.roles.flatMap((role) => role.operations))];
  const policyRules = admin
    ? rules
    : rules.map((rule) => ({
        ...rule,
        readonlyFields: [...new Set([...(rule.readonlyFields ?? []), 'meta.security'])],
      }));
  return { policy: compartment ? { rules: policyRules, compartment } : { rules: policyRules }, admin, operations };
}

// A role rule cut down to what each scope allows of it.
function narrow(rule: ResourceRule, scopes: readonly SmartScope[]): ResourceRule[] {
  const narrowed: ResourceRule[] = [];
  for (const scope of scopes) {
    if (rule.type !== '*' && scope.type !== '*' && rule.type !== scope.type) continue;
    const interactions = rule.interactions.filter((i) => scope.interactions.includes(i));
    if (interactions.length === 0) continue;
    narrowed.push({ ...ruleForType(rule, scope.type), interactions });
  }
  return narrowed;
}

/**
 * One rule per type. Rules for one type add up: a field stays hidden only if every rule that lets the caller
 * read hides it, read-only only if every rule that lets it write says so. The `*` rule is folded into each
 * named type, so the named rule alone says everything about its type.
 */
function merge(rules: readonly ResourceRule[]): ResourceRule[] {
  const wildcard = rules.filter((rule) => rule.type === '*');
  const types = [...new Set(rules.map((rule) => rule.type))];
  return types.map((type) =>
    combine(
      type,
      type === '*'
        ? wildcard
        : [...rules.filter((r) => r.type === type), ...wildcard.map((rule) => ruleForType(rule, type))],
    ),
  );
}

function combine(type: string, rules: readonly ResourceRule[]): ResourceRule {
  const interactions = ALL.filter((i) => rules.some((rule) => rule.interactions.includes(i)));
  const readers = rules.filter((rule) => rule.interactions.some((i) => READS.has(i)));
  const writers = rules.filter((rule) => rule.interactions.some((i) => !READS.has(i)));
  const hiddenFields = common(
    type,
    readers.map((rule) => rule.hiddenFields ?? []),
  );
  const readonlyFields = common(
    type,
    writers.map((rule) => rule.readonlyFields ?? []),
  );
  return {
    type,
    interactions,
    ...(hiddenFields.length ? { hiddenFields } : {}),
    ...(readonlyFields.length ? { readonlyFields } : {}),
  };
}

// The fields every list names, itself or within a wider one: one role hiding `contact` and another
// `contact.telecom` both hide `contact.telecom`; `deceased` (every form) covers `deceasedBoolean`.
function common(type: string, lists: readonly (readonly string[])[]): string[] {
  if (lists.length === 0) return [];
  return [...new Set(lists.flat())].filter((field) =>
    lists.every((list) => list.some((wider) => covers(type, wider, field))),
  );
}

function covers(type: string, wider: string, field: string): boolean {
  if (wider === field || field.startsWith(`${wider}.`)) return true;
  if (type === '*') return false;
  const outer = resolveElementPath(type, wider);
  const inner = resolveElementPath(type, field);
  return (
    outer.ok &&
    inner.ok &&
    inner.properties.every((property) =>
      outer.properties.some((name) => property === name || property.startsWith(`${name}.`)),
    )
  );
}
