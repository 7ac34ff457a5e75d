import type { z } from 'zod';
import { resourceSchemas, resourceTypes } from '../generated/resource-types.js';
import { closestNames } from './closest-names.js';
import { elementRulesOf } from './element-rules.js';

/** A dotted element path that names something in a resource type. */
export interface ElementPath {
  readonly ok: true;
  /** The path as FHIR names the elements: a choice by its base (`deceasedBoolean` is `deceased`). */
  readonly element: string;
  /**
   * The JSON properties the path covers, dotted: every form of a choice named by its base (`deceased` covers
   * `deceasedBoolean` and `deceasedDateTime`), and beside a primitive its `_` companion, which holds its id and
   * extensions (`birthDate` covers `_birthDate`).
   */
  readonly properties: readonly string[];
}

/** Why a dotted path names nothing in a resource type. */
export interface ElementPathError {
  readonly ok: false;
  /** What is wrong, where, and what to write instead (`Patient has no element 'telcom'; did you mean 'telecom'?`). */
  readonly message: string;
  /** The closest names to the one that failed, best first: paths from the resource, or resource types. */
  readonly suggestions: readonly string[];
  /** How many segments named elements before the one that failed. */
  readonly depth: number;
}

/** The outcome of {@link resolveElementPath}. */
export type ElementPathResolution = ElementPath | ElementPathError;

/** An element with children, as the walk sees it. */
interface Node {
  readonly shape: Readonly<Record<string, z.ZodType>>;
  /** Choice bases (`value`) and their forms (`valueQuantity`, ...). */
  readonly choices: ReadonlyMap<string, readonly string[]>;
  /** The base of each choice form. */
  readonly baseOf: ReadonlyMap<string, string>;
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const nodes = new WeakMap<z.ZodType, Node>();
const resolved = new Map<string, ElementPathResolution>();
// Paths come from configuration and code, a handful per deployment: the bound only keeps odd callers in check.
const MAX_REMEMBERED = 10_000;

/**
 * Resolves a dotted element path (`telecom`, `contact.telecom`, `meta.security`) in the FHIR R4 definition of a
 * resource type, through arrays, backbone elements and datatypes. A choice element (`value[x]`) is named by its
 * base, for every form (`value`), or by one form (`valueQuantity`); only a form can be entered
 * (`valueQuantity.code`). Paths start inside the resource (`telecom`, not `Patient.telecom`), never enter a
 * primitive or a contained resource, and do not name `_` companions (the primitive's path covers its own).
 *
 * @example
 * ```ts
 * resolveElementPath('Patient', 'deceased');
 * // { ok: true, element: 'deceased', properties: ['deceasedBoolean', '_deceasedBoolean', 'deceasedDateTime', '_deceasedDateTime'] }
 * resolveElementPath('Patient', 'telcom');
 * // { ok: false, message: "Patient has no element 'telcom'; did you mean 'telecom'?", suggestions: ['telecom'], depth: 0 }
 * ```
 */
export function resolveElementPath(type: string, path: string): ElementPathResolution {
  const key = `${type}\u0000${path}`;
  let result = resolved.get(key);
  if (!result) {
    result = resolve(type, path);
    if (resolved.size >= MAX_REMEMBERED) resolved.clear();
    resolved.set(key, result);
  }
  return result;
}

function resolve(type: string, path: string): ElementPathResolution {
  if (!Object.hasOwn(resourceSchemas, type)) {
    return unknown(`'${type}' is not a FHIR R4 resource type`, closestNames(type, resourceTypes), 0);
  }
  const segments = path.split('.');
  if (segments.some((segment) => segment.trim() === '')) {
    return fail(`'${path}' has an empty segment: separate element names by single dots, as in 'contact.telecom'`);
  }
  if (segments[0] === type) {
    const inside = segments.slice(1).join('.');
    return inside
      ? fail(`paths start inside the resource: write '${inside}', not '${path}'`, [inside])
      : fail(`'${path}' is the resource itself: name one of its elements, such as 'identifier'`);
  }
  let node = nodeOf(resourceSchemas[type as keyof typeof resourceSchemas]) as Node;
  const keys: string[] = [];
  const elements: string[] = [];
  for (const [depth, segment] of segments.entries()) {
    const here = [type, ...keys].join('.');
    const within = (name: string) => [...keys, name].join('.');
    const last = depth === segments.length - 1;
    if (segment.endsWith('[x]')) {
      const base = segment.slice(0, -3);
      const forms = node.choices.get(base);
      if (!forms) return unknown(`${here} has no element '${segment}'`, suggest(node, base, within), depth);
      return fail(
        `'${segment}' is how the definition writes the choice ${here}.${segment}: name '${within(base)}' for every form, or one form such as '${within(forms[0] as string)}'`,
        [within(base)],
        depth,
      );
    }
    if (segment.startsWith('_') && Object.hasOwn(node.shape, segment)) {
      const primitive = segment.slice(1);
      return fail(
        `'${segment}' holds the id and extensions of ${here}.${primitive}: name '${within(primitive)}', which covers both`,
        [within(primitive)],
        depth,
      );
    }
    const forms = node.choices.get(segment);
    if (forms) {
      if (!last) {
        return fail(
          `${here}.${segment} is a choice of types (${listed(forms)}): to go inside, name one form, such as '${within(forms[0] as string)}.${segments.slice(depth + 1).join('.')}'`,
          forms.map(within),
          depth,
        );
      }
      const properties = forms.flatMap((form) => withCompanion(node, form).map(within));
      return { ok: true, element: [...elements, segment].join('.'), properties };
    }
    if (depth === 0 && segment === 'resourceType') {
      return fail(`'resourceType' says which resource it is; it is not an element: name one, such as 'identifier'`);
    }
    if (segment.startsWith('_') || !Object.hasOwn(node.shape, segment)) {
      return unknown(`${here} has no element '${segment}'`, suggest(node, segment, within), depth);
    }
    elements.push(node.baseOf.get(segment) ?? segment);
    if (last) return { ok: true, element: elements.join('.'), properties: withCompanion(node, segment).map(within) };
    const child = nodeOf(node.shape[segment] as z.ZodType);
    keys.push(segment);
    if (child === 'resources') {
      return fail(
        `${here}.${segment} holds whole resources, of any type, which paths do not enter: name '${keys.join('.')}' itself`,
        [keys.join('.')],
        depth + 1,
      );
    }
    if (!child) {
      return fail(
        `${here}.${segment} is a primitive value, with no elements inside: name '${keys.join('.')}' itself`,
        [keys.join('.')],
        depth + 1,
      );
    }
    node = child;
  }
  return fail(`'${path}' names no element`); // not reached: the loop returns at the last segment
}

/** A primitive's `_` companion goes with it: its id and extensions are part of the value. */
function withCompanion(node: Node, name: string): string[] {
  return Object.hasOwn(node.shape, `_${name}`) ? [name, `_${name}`] : [name];
}

function suggest(node: Node, name: string, within: (name: string) => string): string[] {
  const names = Object.keys(node.shape).filter((key) => !key.startsWith('_') && key !== 'resourceType');
  return closestNames(name, [...names, ...node.choices.keys()]).map(within);
}

/** The element with children a schema describes (through optional, nullable and arrays). */
function nodeOf(schema: z.ZodType): Node | 'resources' | undefined {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'nullable') current = def.innerType as z.ZodType;
    else if (def.type === 'array') current = def.element as z.ZodType;
    else if (def.type === 'object') return objectNode(current, def);
    // Only `contained`, `Bundle.entry.resource` and `Parameters.parameter.resource` are any resource at all.
    else if (def.type === 'lazy' || def.type === 'union') return 'resources';
    else return undefined;
  }
}

function objectNode(schema: z.ZodType, def: Def): Node {
  let node = nodes.get(schema);
  if (!node) {
    const choices = new Map<string, readonly string[]>();
    const baseOf = new Map<string, string>();
    for (const choice of elementRulesOf(schema)?.choices ?? []) {
      choices.set(choice.base, choice.names);
      for (const name of choice.names) baseOf.set(name, choice.base);
    }
    node = { shape: def.shape as Record<string, z.ZodType>, choices, baseOf };
    nodes.set(schema, node);
  }
  return node;
}

function listed(names: readonly string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')}, ...` : names.join(', ');
}

function fail(message: string, suggestions: readonly string[] = [], depth = 0): ElementPathError {
  return { ok: false, message, suggestions, depth };
}

/** A name that is not there: the message asks about the closest ones. */
function unknown(message: string, suggestions: readonly string[], depth: number): ElementPathError {
  const question = suggestions.length > 0 ? `; did you mean ${orList(suggestions)}?` : '';
  return fail(`${message}${question}`, suggestions, depth);
}

function orList(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] as string);
}
