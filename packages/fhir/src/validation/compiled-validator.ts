import type { z } from 'zod';
import { registeredRules } from '../model/element-rules.js';

/** A yes/no validator compiled from a zod schema. */
export type CompiledValidator = (value: unknown) => boolean;

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  checks?: { _zod: { def: { check: string; minimum?: number } } }[];
  getter?: () => z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const compiled = new WeakMap<z.ZodType, CompiledValidator>();

/**
 * Compiles a schema into a validator that answers whether zod would accept a value, visiting only the keys a
 * value has. zod's own object parser visits every key of the shape, and FHIR elements have hundreds of optional
 * ones (ElementDefinition: every `value[x]` variant and its `_` sibling). Leaves (primitives) and element rules
 * are still checked by the schema's own code; anything this compiler does not know is delegated to zod. Used
 * for the yes/no; when the answer is no, zod itself reports the issues.
 */
export function compileValidator(schema: z.ZodType): CompiledValidator {
  const known = compiled.get(schema);
  if (known) return known;
  let built: CompiledValidator | undefined;
  // Recursive schemas reach themselves while being built: hand out a forwarder until the real one exists.
  compiled.set(schema, (value) => (built as CompiledValidator)(value));
  built = build(schema);
  compiled.set(schema, built);
  return built;
}

function build(schema: z.ZodType): CompiledValidator {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional': {
      const inner = compileValidator(def.innerType as z.ZodType);
      return (value) => value === undefined || inner(value);
    }
    case 'nullable': {
      const inner = compileValidator(def.innerType as z.ZodType);
      return (value) => value === null || inner(value);
    }
    case 'lazy': {
      let inner: CompiledValidator | undefined;
      return (value) => {
        inner ??= compileValidator((def.getter as () => z.ZodType)());
        return inner(value);
      };
    }
    case 'array':
      return buildArray(schema, def);
    case 'object':
      return buildObject(schema, def);
    case 'union':
      return buildDiscriminatedUnion(schema, def);
    default:
      return leaf(schema);
  }
}

function leaf(schema: z.ZodType): CompiledValidator {
  return (value) => schema.safeParse(value).success;
}

function buildArray(schema: z.ZodType, def: Def): CompiledValidator {
  const checks = def.checks ?? [];
  if (checks.some((c) => c._zod.def.check !== 'min_length')) return leaf(schema);
  const min = Math.max(0, ...checks.map((c) => c._zod.def.minimum ?? 0));
  const element = compileValidator(def.element as z.ZodType);
  return (value) => {
    if (!Array.isArray(value) || value.length < min) return false;
    for (const item of value) if (!element(item)) return false;
    return true;
  };
}

function buildObject(schema: z.ZodType, def: Def): CompiledValidator {
  const rules = registeredRules(schema);
  const strict = def.catchall !== undefined && defOf(def.catchall).type === 'never';
  if (!strict || (def.checks?.length ?? 0) !== (rules ? 1 : 0)) return leaf(schema);
  const shape = def.shape as Record<string, z.ZodType>;
  const fields = new Map<string, CompiledValidator | undefined>(Object.keys(shape).map((key) => [key, undefined]));
  const field = (key: string): CompiledValidator => {
    let validator = fields.get(key);
    if (!validator) {
      validator = compileValidator(shape[key] as z.ZodType);
      fields.set(key, validator);
    }
    return validator;
  };
  const required = Object.keys(shape).filter((key) => defOf(shape[key] as z.ZodType).type !== 'optional');
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!fields.has(key) || !field(key)(record[key])) return false;
    }
    for (const key of required) if (!(key in record) && !field(key)(undefined)) return false;
    return rules ? rules(record) : true;
  };
}

function buildDiscriminatedUnion(schema: z.ZodType, def: Def): CompiledValidator {
  const discriminator = def.discriminator;
  if (!discriminator) return leaf(schema);
  const byValue = new Map<unknown, z.ZodType>();
  for (const option of def.options ?? []) {
    const tag = defOf(option).shape?.[discriminator];
    for (const tagValue of (tag && defOf(tag).values) ?? []) byValue.set(tagValue, option);
  }
  return (value) => {
    if (value === null || typeof value !== 'object') return false;
    const option = byValue.get((value as Record<string, unknown>)[discriminator]);
    return option !== undefined && compileValidator(option)(value);
  };
}
