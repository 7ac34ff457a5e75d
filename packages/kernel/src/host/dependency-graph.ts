import { getOrCreate } from '../util/get-or-create.js';

/** Edges from a plugin to the installed plugins it depends on (required or optional). */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/**
 * Every elementary cycle reachable by depth-first search, each as a path that starts and ends with the same
 * plugin (`a -> b -> c -> a`), reported once whatever plugin it is entered from.
 */
export function findCycles(graph: DependencyGraph): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of graph.get(id) ?? []) {
      const depState = state.get(dep);
      if (depState === 'visiting') {
        const cycle = stack.slice(stack.indexOf(dep));
        const key = [...cycle].sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, dep]);
        }
      } else if (depState === undefined) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };

  for (const id of [...graph.keys()].sort()) if (!state.has(id)) visit(id);
  return cycles;
}

/**
 * Kahn's topological order: dependencies before dependents, ties broken by id so the order never depends on
 * the order plugins were added. Call only on an acyclic graph.
 */
export function topologicalOrder(graph: DependencyGraph): string[] {
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, deps] of graph) {
    remaining.set(id, deps.length);
    for (const dep of deps) {
      getOrCreate(dependents, dep, () => []).push(id);
    }
  }
  const ready = [...remaining]
    .filter(([, n]) => n === 0)
    .map(([id]) => id)
    .sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(id);
    const released: string[] = [];
    for (const dependent of dependents.get(id) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) released.push(dependent);
    }
    if (released.length > 0) {
      ready.push(...released);
      ready.sort();
    }
  }
  return order;
}

/**
 * Runs `task` for every node once all its dependencies' tasks have settled, so independent plugins run
 * concurrently. `reverse` walks dependents first (for stopping).
 */
export async function runInDependencyOrder(
  graph: DependencyGraph,
  task: (id: string) => Promise<void>,
  options: { reverse?: boolean } = {},
): Promise<void> {
  const waitFor = new Map<string, string[]>();
  for (const id of graph.keys()) waitFor.set(id, []);
  for (const [id, deps] of graph) {
    for (const dep of deps) {
      if (options.reverse) waitFor.get(dep)?.push(id);
      else waitFor.get(id)?.push(dep);
    }
  }
  const done = new Map<string, Promise<void>>();
  const schedule = (id: string): Promise<void> => {
    let promise = done.get(id);
    if (!promise) {
      const before = (waitFor.get(id) ?? []).map(schedule);
      promise = Promise.allSettled(before).then(() => task(id));
      done.set(id, promise);
    }
    return promise;
  };
  await Promise.allSettled(topologicalOrder(graph).map(schedule));
}
