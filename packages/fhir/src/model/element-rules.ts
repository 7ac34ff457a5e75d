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

const registry = new WeakMap<z.ZodType, (value: Record<string, unknown>) => boolean>();
const declared = new WeakMap<z.ZodType, ElementRules>();

/**
 * Adds the checks of {@link ElementRules} to an element's schema. They run even when the element has other
 * errors (they only look at presence and lengths), so one pass reports every problem. The same checks are
 * registered for the compiled validator.
 */
export function withElementRules<T extends z.ZodType>(schema: T, rules: ElementRules): T {
  const run = check(rules);
  const refined = schema.superRefine(run as (value: unknown, ctx: z.RefinementCtx) => void, { when: () => true }) as T;
  registry.set(refined, (value) => {
    let passed = true;
    run(value, {
      addIssue: () => {
        passed = false;
      },
    } as unknown as z.RefinementCtx);
    return passed;
  });
  declared.set(refined, rules);
  return refined;
}

/** The element rules declared for a schema (its choice types among them), for tools that walk the model. */
export function elementRulesOf(schema: z.ZodType): ElementRules | undefined {
  return declared.get(schema);
}

/** The element rules registered for a schema, as a yes/no check. */
export function registeredRules(schema: z.ZodType): ((value: Record<string, unknown>) => boolean) | undefined {
  return registry.get(schema);
}

function check(rules: ElementRules) {
  const choices = rules.choices ?? [];
  // Elements like ElementDefinition have hundreds of choice names: look up the keys present, not every name.
  const choiceOf = new Map<string, number>();
  choices.forEach((choice, index) => {
    for (const name of choice.names) choiceOf.set(name, index);
  });
  const required = rules.required ?? [];
  const primitiveArrays = rules.primitiveArrays ?? [];
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const name of required) {
      if (value[name] === undefined && value[`_${name}`] === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required' });
      }
    }
    if (choices.length > 0) checkChoices(value, ctx, choices, choiceOf);
    for (const name of primitiveArrays) checkPrimitiveArray(value, ctx, name);
  };
}

function checkChoices(
  value: Record<string, unknown>,
  ctx: z.RefinementCtx,
  choices: NonNullable<ElementRules['choices']>,
  choiceOf: ReadonlyMap<string, number>,
): void {
  const found: (string | undefined)[] = [];
  for (const key in value) {
    const index = choiceOf.get(key);
    if (index === undefined || value[key] === undefined) continue;
    const first = found[index];
    if (first === undefined) {
      found[index] = key;
    } else {
      const choice = choices[index] as (typeof choices)[number];
      const [a, b] = choice.names.indexOf(first) < choice.names.indexOf(key) ? [first, key] : [key, first];
      ctx.addIssue({
        code: 'custom',
        path: [b],
        message: `only one of ${choice.base}[x] may be present, found ${a} and ${b}`,
      });
    }
  }
  choices.forEach((choice, index) => {
    if (choice.required && found[index] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [`${choice.base}[x]`],
        message: `is required: one of ${choice.names.join(', ')}`,
      });
    }
  });
}

function checkPrimitiveArray(value: Record<string, unknown>, ctx: z.RefinementCtx, name: string): void {
  const values = Array.isArray(value[name]) ? (value[name] as unknown[]) : undefined;
  const extensions = Array.isArray(value[`_${name}`]) ? (value[`_${name}`] as unknown[]) : undefined;
  if (!values && !extensions) return;
  if (values && extensions && values.length !== extensions.length) {
    ctx.addIssue({ code: 'custom', path: [`_${name}`], message: `must have as many items as ${name}` });
    return;
  }
  const length = Math.max(values?.length ?? 0, extensions?.length ?? 0);
  for (let i = 0; i < length; i++) {
    if ((values?.[i] ?? null) === null && (extensions?.[i] ?? null) === null) {
      ctx.addIssue({ code: 'custom', path: [name, i], message: `must not be null unless _${name} has an item there` });
    }
  }
}
