import type { z } from 'zod';

/** The message for an empty array: FHIR JSON never carries `[]`. */
export const NOT_EMPTY = 'must not be an empty array: omit the element instead';

/** The rules of an element that a JSON shape alone cannot say. */
export interface ElementRules {
  /** Required primitives: present as a value, or as `_name` (an extension, such as data-absent-reason). */
  readonly required?: readonly string[];
  /** Choice types (`value[x]`): at most one of `names`, exactly one when required. */
  readonly choices?: readonly {
    readonly base: string;
    readonly names: readonly string[];
    readonly required: boolean;
  }[];
  /** Primitive arrays: `name` and `_name` line up, and no position is null in both. */
  readonly primitiveArrays?: readonly string[];
}

/**
 * Builds the refinement that checks {@link ElementRules}, with the option to run it even when the element
 * has other errors (these checks only look at presence and lengths), so one pass reports every problem.
 * Spread it: `.superRefine(...elementRules({ ... }))`.
 */
export function elementRules(rules: ElementRules) {
  return [check(rules), { when: () => true }] as const;
}

function check(rules: ElementRules) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const name of rules.required ?? []) {
      if (value[name] === undefined && value[`_${name}`] === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required' });
      }
    }
    for (const choice of rules.choices ?? []) {
      const present = choice.names.filter((name) => value[name] !== undefined);
      if (present.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [present[1] as string],
          message: `only one of ${choice.base}[x] may be present, found ${present.join(' and ')}`,
        });
      } else if (choice.required && present.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [`${choice.base}[x]`],
          message: `is required: one of ${choice.names.join(', ')}`,
        });
      }
    }
    for (const name of rules.primitiveArrays ?? []) {
      const values = Array.isArray(value[name]) ? (value[name] as unknown[]) : undefined;
      const extensions = Array.isArray(value[`_${name}`]) ? (value[`_${name}`] as unknown[]) : undefined;
      if (values && extensions && values.length !== extensions.length) {
        ctx.addIssue({ code: 'custom', path: [`_${name}`], message: `must have as many items as ${name}` });
        continue;
      }
      const length = Math.max(values?.length ?? 0, extensions?.length ?? 0);
      for (let i = 0; i < length; i++) {
        if ((values?.[i] ?? null) === null && (extensions?.[i] ?? null) === null) {
          ctx.addIssue({
            code: 'custom',
            path: [name, i],
            message: `must not be null unless _${name} has an item there`,
          });
        }
      }
    }
  };
}
