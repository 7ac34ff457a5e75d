import type { PreflightProblem } from '../errors/preflight-problem.js';
import type { Plugin } from '../plugin/define-plugin.js';
import { prefixesOverlap, routePrefixProblem } from '../plugin/route-prefix.js';
import type { DependencyGraph } from './dependency-graph.js';

/**
 * Checks the route prefixes every plugin declares, from the manifests alone: each well formed (`definePlugin`
 * refuses a malformed one where it is written; a plugin defined against another kernel may not have been), and
 * each one plugin's own. Two plugins declaring the same prefix, or one within another's (`/fhir/R4/custom`
 * within the server's `/fhir`), could serve each other's paths: the problem goes to the plugin that depends on
 * the other (it came to extend it), else to the one added later.
 */
export function checkRoutePrefixes(
  plugins: ReadonlyMap<string, Plugin>,
  graph: DependencyGraph,
  problems: PreflightProblem[],
): void {
  const claimed: { pluginId: string; prefix: string }[] = [];
  for (const [id, { manifest }] of plugins) {
    for (const prefix of new Set(manifest.capabilities.routes)) {
      const malformed = routePrefixProblem(prefix);
      if (malformed) {
        problems.push({
          code: 'ROUTE_PREFIX_INVALID',
          pluginId: id,
          message: `declares the route prefix '${prefix}', which ${malformed}`,
          hint: `correct capabilities.routes of plugin '${id}' to a path of its own, such as '/${id}'`,
        });
        continue;
      }
      for (const other of claimed) {
        if (other.pluginId === id || !prefixesOverlap(prefix, other.prefix)) continue;
        const [blamed, owner] = dependsOn(graph, other.pluginId, id)
          ? [
              { pluginId: other.pluginId, prefix: other.prefix },
              { pluginId: id, prefix },
            ]
          : [{ pluginId: id, prefix }, other];
        problems.push({
          code: 'ROUTE_PREFIX_CONFLICT',
          pluginId: blamed.pluginId,
          message: `declares the route prefix '${blamed.prefix}', which overlaps '${owner.prefix}' of plugin '${owner.pluginId}': each would serve paths under the other's`,
          hint: `route prefixes belong to one plugin: declare one of its own in capabilities.routes of '${blamed.pluginId}', such as '/${blamed.pluginId}'; to add to what '${owner.pluginId}' serves, contribute to an extension point it offers`,
        });
      }
      claimed.push({ pluginId: id, prefix });
    }
  }
}

/** Whether `from` depends on `to`, directly or through other plugins. */
function dependsOn(graph: DependencyGraph, from: string, to: string): boolean {
  const seen = new Set<string>();
  const pending = [from];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    for (const dep of graph.get(id) ?? []) {
      if (dep === to) return true;
      if (!seen.has(dep)) {
        seen.add(dep);
        pending.push(dep);
      }
    }
  }
  return false;
}
