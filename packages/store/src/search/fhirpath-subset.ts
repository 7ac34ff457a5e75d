/**
 * The part of FHIRPath that the specification's search parameter expressions use for the store's indexes:
 * dotted paths, `as(Type)` / `(path as Type)` / `ofType(Type)` for choice elements, `where(resolve() is Type)`
 * on references, and `where(element='value')`. Anything else compiles to undefined: the parameter is then
 * reported as not supported, never silently mis-indexed.
 */
type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'resolveIs'; readonly type: string }
  | { readonly kind: 'equals'; readonly element: string; readonly value: string };

/** Extracts the nodes an expression selects from a resource. */
export type Extractor = (resource: unknown) => unknown[];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Splits on `separator` outside parentheses and quoted strings. */
function splitTopLevel(text: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === separator && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function compilePart(part: string, resourceType: string): Step[] | undefined {
  let path = part.trim();
  const wrapped = /^\((.+) as (\w+)\)$/.exec(path);
  if (wrapped) path = `${wrapped[1]}.as(${wrapped[2]})`;
  const [root, ...rest] = splitTopLevel(path, '.');
  if (root !== resourceType && root !== 'Resource' && root !== 'DomainResource') return undefined;
  const steps: Step[] = [];
  for (const segment of rest) {
    const as = /^(?:as|ofType)\((\w+)\)$/.exec(segment);
    if (as) {
      const previous = steps.at(-1);
      if (previous?.kind !== 'field') return undefined;
      steps[steps.length - 1] = { kind: 'field', name: `${previous.name}${cap(as[1] as string)}` };
      continue;
    }
    const resolveIs = /^where\(resolve\(\) is (\w+)\)$/.exec(segment);
    if (resolveIs) {
      steps.push({ kind: 'resolveIs', type: resolveIs[1] as string });
      continue;
    }
    const equals = /^where\((\w+) ?= ?'([^']*)'\)$/.exec(segment);
    if (equals) {
      steps.push({ kind: 'equals', element: equals[1] as string, value: equals[2] as string });
      continue;
    }
    if (!/^\w+$/.test(segment)) return undefined;
    steps.push({ kind: 'field', name: segment });
  }
  return steps;
}

function choiceKey(record: Record<string, unknown>, name: string): string | undefined {
  for (const key in record) {
    if (key.length > name.length && key.startsWith(name) && /^[A-Z][A-Za-z]*$/.test(key.slice(name.length))) return key;
  }
  return undefined;
}

function run(steps: readonly Step[], resource: unknown): unknown[] {
  let nodes: unknown[] = [resource];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (node === null || typeof node !== 'object') continue;
      if (step.kind === 'field') {
        const record = node as Record<string, unknown>;
        // A choice element named without its type (`Observation.effective`) selects whichever variant is present.
        const key = step.name in record ? step.name : choiceKey(record, step.name);
        const value = key === undefined ? undefined : record[key];
        // One push per item: spreading a large array into push() passes each item as an argument, and an
        // element of 200,000 items overflows the stack.
        if (Array.isArray(value)) {
          for (const item of value) if (item !== null && item !== undefined) next.push(item);
        } else if (value !== undefined && value !== null) next.push(value);
      } else if (step.kind === 'resolveIs') {
        const reference = (node as { reference?: unknown }).reference;
        if (typeof reference === 'string' && new RegExp(`(^|/)${step.type}/[^/]+(/_history/[^/]+)?$`).test(reference))
          next.push(node);
      } else if ((node as Record<string, unknown>)[step.element] === step.value) {
        next.push(node);
      }
    }
    nodes = next;
  }
  return nodes;
}

/** Compiles an expression (a union of paths) for one resource type, or undefined if it uses more FHIRPath. */
export function compileExpression(expression: string, resourceType: string): Extractor | undefined {
  const parts = splitTopLevel(expression, '|')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => compilePart(part, resourceType));
  if (parts.length === 0 || parts.some((p) => p === undefined)) return undefined;
  return (resource) => parts.flatMap((steps) => run(steps as Step[], resource));
}
