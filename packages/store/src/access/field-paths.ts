import type { AnyResource } from '@mekong/fhir';

type Node = Record<string, unknown>;
const isObject = (value: unknown): value is Node =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A copy of the resource without the elements at the dotted paths (`telecom`, `meta.security`,
 * `contact.telecom`): arrays on the way are entered element by element. An object left empty by a removal
 * is removed too, so the result stays valid FHIR.
 */
export function withoutPaths<T extends AnyResource>(resource: T, paths: readonly string[]): T {
  if (paths.length === 0) return resource;
  const copy = structuredClone(resource) as unknown as Node;
  for (const path of paths) remove(copy, path.split('.'));
  return copy as unknown as T;
}

function remove(node: unknown, segments: readonly string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) remove(item, segments);
    return;
  }
  if (!isObject(node)) return;
  const [head, ...rest] = segments as [string, ...string[]];
  if (rest.length === 0) {
    delete node[head];
    return;
  }
  const child = node[head];
  remove(child, rest);
  if (isEmpty(child)) delete node[head];
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isEmpty);
  return isObject(value) && Object.keys(value).length === 0;
}

/**
 * `incoming` with the elements at the dotted paths taken from `stored` (or removed, where `stored` has none):
 * what a caller may not change stays as it was. Arrays on the way are paired by position; elements the
 * caller appended get no value at the path.
 */
export function keepingPaths<T extends AnyResource>(
  incoming: T,
  stored: AnyResource | undefined,
  paths: readonly string[],
): T {
  if (paths.length === 0) return incoming;
  const copy = structuredClone(incoming) as unknown as Node;
  for (const path of paths) keep(copy, stored as unknown, path.split('.'));
  return copy as unknown as T;
}

function keep(target: unknown, source: unknown, segments: readonly string[]): void {
  if (Array.isArray(target)) {
    const sources = Array.isArray(source) ? source : [];
    target.forEach((item, index) => {
      keep(item, sources[index], segments);
    });
    return;
  }
  if (!isObject(target)) return;
  const [head, ...rest] = segments as [string, ...string[]];
  const from = isObject(source) ? source[head] : undefined;
  if (rest.length === 0) {
    if (from === undefined) delete target[head];
    else target[head] = structuredClone(from);
    return;
  }
  const created = target[head] === undefined && from !== undefined;
  // The caller dropped the parent: bring back only what may not change.
  if (created) target[head] = Array.isArray(from) ? from.map(() => ({})) : {};
  keep(target[head], from, rest);
  const child = target[head];
  if (created && Array.isArray(child)) target[head] = child.filter((item) => !isEmpty(item));
  if (isEmpty(target[head])) delete target[head];
}
