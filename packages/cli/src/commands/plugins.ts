import { type Deployment, hostOf } from '../deployment/deployment.js';
import type { Output } from '../output/output.js';
import { checkPluginPackages } from '../packages/plugin-packages.js';

/**
 * `mekong plugins`: the deployment's plugins with their versions, dependencies, declared capabilities and
 * pre-flight status (`ok`, or the problems that would stop a start), read without running any plugin code;
 * then the plugin packages installed from `dir` (their `"mekong"` metadata) and whether their versions agree.
 */
export function listPlugins(deployment: Deployment, dir: string, out: Output): number {
  const { problems, plugins } = hostOf(deployment).check();
  for (const { manifest } of plugins) {
    const own = problems.filter((p) => p.pluginId === manifest.id);
    out.line(`${manifest.id}@${manifest.version}  ${own.length === 0 ? 'ok' : `${own.length} problem(s)`}`);
    if (manifest.description) out.line(`  ${manifest.description}`);
    const dependencies = Object.entries(manifest.dependencies).map(([id, range]) => `${id} ${range}`);
    if (dependencies.length > 0) out.line(`  depends on ${dependencies.join(', ')}`);
    const { resources, routes } = manifest.capabilities;
    if (resources.read.length > 0) out.line(`  reads ${resources.read.join(', ')}`);
    if (resources.write.length > 0) out.line(`  writes ${resources.write.join(', ')}`);
    if (routes.length > 0) out.line(`  routes ${routes.join(', ')}`);
    for (const problem of own) out.line(`  ${problem.code}: ${problem.message}\n    hint: ${problem.hint}`);
  }
  const outside = problems.filter((p) => !plugins.some(({ manifest }) => manifest.id === p.pluginId));
  for (const problem of outside) out.line(`${problem.code}: ${problem.message}\n  hint: ${problem.hint}`);
  const installed = checkPluginPackages(dir);
  if (installed.packages.length > 0) out.line('packages');
  for (const pkg of installed.packages) out.line(`  ${pkg.name}@${pkg.version}  ${pkg.role} of ${pkg.pluginId}`);
  for (const problem of installed.problems) out.line(`${problem.code}: ${problem.message}\n  hint: ${problem.hint}`);
  return problems.length === 0 && installed.problems.length === 0 ? 0 : 1;
}
