import { closestNames, type ElementPathError, resolveElementPath, resourceTypes } from '@mekong/fhir';
import { StoreError } from '../errors.js';
import type { AccessPolicy } from './access-policy.js';

/** One thing wrong with a rule: where in the rule (`['type']`, `['hiddenFields', 0]`), the value there, and what. */
export interface RuleProblem {
  readonly path: readonly (string | number)[];
  readonly value: string;
  readonly message: string;
}

const TYPES: ReadonlySet<string> = new Set(resourceTypes);
const FIELDS = ['hiddenFields', 'readonlyFields'] as const;

/**
 * Everything wrong with a rule: a type that is neither a FHIR R4 resource type nor `*`, and each hidden or
 * read-only path that names no element of the type. A path of a `*` rule must name an element of at least one
 * type: it applies to the types that have it (`telecom` hides Patient.telecom and Practitioner.telecom alike).
 * Paths are element names from the resource, dotted (`telecom`, `contact.telecom`, `meta.security`); a choice is
 * named by its base for every form (`deceased`) or by one form (`deceasedBoolean`). See `resolveElementPath`
 * of `@mekong/fhir` for every form accepted.
 */
export function ruleProblems(rule: {
  readonly type: string;
  readonly interactions?: readonly string[];
  readonly hiddenFields?: readonly string[] | undefined;
  readonly readonlyFields?: readonly string[] | undefined;
}): RuleProblem[] {
  if (rule.type !== '*' && !TYPES.has(rule.type)) {
    const close = closestNames(rule.type, resourceTypes);
    return [
      {
        path: ['type'],
        value: rule.type,
        message: `'${rule.type}' is not a FHIR R4 resource type (nor "*" for every type)${didYouMean(close)}`,
      },
    ];
  }
  const problems: RuleProblem[] = [];
  for (const field of FIELDS) {
    (rule[field] ?? []).forEach((path, index) => {
      const error = rule.type === '*' ? inNoType(path) : failure(resolveElementPath(rule.type, path));
      if (error) problems.push({ path: [field, index], value: path, message: error });
    });
  }
  return problems;
}

const failure = (result: ReturnType<typeof resolveElementPath>) => (result.ok ? undefined : result.message);

/** Why a path of a `*` rule names an element of no type, from the types where it got furthest. */
function inNoType(path: string): string | undefined {
  let deepest: ElementPathError[] = [];
  for (const type of resourceTypes) {
    const result = resolveElementPath(type, path);
    if (result.ok) return undefined;
    const depth = deepest[0]?.depth ?? -1;
    if (result.depth > depth) deepest = [result];
    else if (result.depth === depth) deepest.push(result);
  }
  const first = deepest[0] as ElementPathError;
  if (first.depth > 0) return `no resource type has the element '${path}' (${first.message})`;
  // Suggest what most types would have had instead.
  const votes = new Map<string, number>();
  for (const error of deepest) for (const name of error.suggestions) votes.set(name, (votes.get(name) ?? 0) + 1);
  const suggested = [...votes].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  return `no resource type has the element '${path}'${didYouMean(suggested.slice(0, 3))}`;
}

function didYouMean(names: readonly string[]): string {
  if (names.length === 0) return '';
  const quoted = names.map((name) => `'${name}'`);
  return `; did you mean ${quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0]}?`;
}

/** A policy handed to the store names fields that do not exist: it would hide or protect nothing there. */
export class InvalidAccessPolicyError extends StoreError {
  /** Each problem: `rules.<index>.<field>.<index> '<path>' (<type>): <what is wrong>`. */
  readonly problems: readonly string[];

  constructor(owner: string, problems: readonly string[]) {
    super({
      code: 'ACCESS_POLICY_INVALID',
      status: 500,
      message: `the access policy of ${owner} names fields that do not exist, so they would hide or protect nothing:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      hint: 'correct the paths: element names of the FHIR R4 resource type, dotted from the resource (telecom, contact.telecom, meta.security), a choice by its base (deceased) or one form (deceasedBoolean)',
    });
    this.problems = problems;
  }
}

// A caller's policy is usually made once and handed over for each request: check each object once.
const checked = new WeakSet<AccessPolicy>();

/**
 * Refuses a policy whose hidden or read-only paths name no element of their type, with an
 * {@link InvalidAccessPolicyError} naming each rule, its type, the path and the closest element names. Rules
 * without such paths are not checked: one for a type that does not exist allows nothing (a plugin's declared
 * types become such rules). The store checks every policy it is handed; call this to check one earlier.
 *
 * @param owner Whose policy it is, for the message (`role 'receptionist'`, `user 'u-lan'`).
 */
export function checkAccessPolicy(policy: AccessPolicy, owner = 'the caller'): void {
  if (checked.has(policy)) return;
  const problems: string[] = [];
  policy.rules.forEach((rule, index) => {
    if (!FIELDS.some((field) => (rule[field]?.length ?? 0) > 0)) return;
    for (const problem of ruleProblems(rule)) {
      problems.push(`rules.${index}.${problem.path.join('.')} '${problem.value}' (${rule.type}): ${problem.message}`);
    }
  });
  if (problems.length > 0) throw new InvalidAccessPolicyError(owner, problems);
  checked.add(policy);
}
