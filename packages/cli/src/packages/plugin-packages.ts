import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';

/** What a package says it is in its `package.json` `"mekong"` field. */
export type PluginPackageRole = 'plugin' | 'plugin-api';

/** One installed package of a plugin family (`"mekong": { "role", "pluginId" }` in its `package.json`). */
export interface PluginPackage {
  readonly name: string;
  readonly version: string;
  readonly role: PluginPackageRole;
  /** The plugin id of its family: a plugin's own id, or the id of the plugin whose contract an `-api` package holds. */
  readonly pluginId: string;
  /** Where it is installed (symlinks resolved): two directories of one name are two copies. */
  readonly dir: string;
}

/** A problem with the installed plugin packages, found without running any of their code. */
export interface PluginPackageProblem {
  readonly code: 'PLUGIN_PACKAGE_INVALID' | 'PLUGIN_API_VERSION_MISMATCH' | 'PLUGIN_API_COPIES';
  readonly message: string;
  readonly hint: string;
}

/** The installed plugin packages of a deployment and what is wrong with their versions. */
export interface PluginPackagesReport {
  readonly packages: readonly PluginPackage[];
  readonly problems: readonly PluginPackageProblem[];
}

interface Manifest {
  name?: string;
  version?: string;
  mekong?: { role?: unknown; pluginId?: unknown };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const ROLES: readonly string[] = ['plugin', 'plugin-api'];
const MAX_PACKAGES = 10_000;

/**
 * Reads the plugin packages a deployment has installed: from the `package.json` nearest to `fromDir`, follows
 * dependencies into `node_modules` as Node.js resolves them, through every package with `"mekong"` metadata.
 * Checks that each `-api` package a plugin uses has a version the plugin's range accepts, and that a family's
 * `-api` package is installed once (two copies make refs that never meet).
 */
export function checkPluginPackages(fromDir: string): PluginPackagesReport {
  const problems: PluginPackageProblem[] = [];
  const root = nearestPackageDir(fromDir);
  if (!root) return { packages: [], problems };
  const found = new Map<string, PluginPackage>();
  const uses: { user: PluginPackage; range: string; used: PluginPackage }[] = [];
  const queue: { from: string; user: PluginPackage | undefined; deps: Record<string, string> }[] = [
    { from: root, user: undefined, deps: dependenciesOf(readManifest(join(root, 'package.json')), true) },
  ];
  while (queue.length > 0 && found.size < MAX_PACKAGES) {
    const { from, user, deps } = queue.shift() as (typeof queue)[number];
    for (const [name, range] of Object.entries(deps)) {
      const dir = resolvePackageDir(name, from);
      if (!dir) continue;
      const manifest = readManifest(join(dir, 'package.json'));
      if (!manifest.mekong) continue;
      let pkg = found.get(dir);
      if (!pkg) {
        const read = pluginPackage(name, dir, manifest, problems);
        if (!read) continue;
        pkg = read;
        found.set(dir, pkg);
        queue.push({ from: dir, user: pkg, deps: dependenciesOf(manifest, false) });
      }
      if (user?.role === 'plugin' && pkg.role === 'plugin-api') uses.push({ user, range, used: pkg });
    }
  }
  for (const { user, range, used } of uses) {
    // workspace: ranges are links within one repository, the same copy by construction.
    if (range.startsWith('workspace:') || semver.validRange(range) === null) continue;
    if (semver.satisfies(used.version, range, { includePrerelease: true })) continue;
    problems.push({
      code: 'PLUGIN_API_VERSION_MISMATCH',
      message: `${user.name}@${user.version} accepts ${used.name} ${range}, but ${used.name}@${used.version} is installed (${used.dir})`,
      hint: `install a version of ${used.name} in ${range}, or a version of ${user.name} that accepts ${used.version}`,
    });
  }
  const byName = new Map<string, PluginPackage[]>();
  for (const pkg of found.values()) byName.set(pkg.name, [...(byName.get(pkg.name) ?? []), pkg]);
  for (const [name, copies] of byName) {
    if (copies.length < 2 || copies[0]?.role !== 'plugin-api') continue;
    const users = (copy: PluginPackage) =>
      [...new Set(uses.filter((u) => u.used === copy).map((u) => `${u.user.name}@${u.user.version}`))].join(', ') ||
      'the deployment';
    problems.push({
      code: 'PLUGIN_API_COPIES',
      message: `${name} is installed ${copies.length} times, so its refs never meet: ${copies.map((c) => `${c.version} (used by ${users(c)}, in ${c.dir})`).join('; ')}`,
      hint: `install one copy: \`pnpm why ${name}\` shows who pulls in which version; align their ranges for ${name} so it dedupes`,
    });
  }
  const packages = [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.dir.localeCompare(b.dir));
  return { packages, problems };
}

function pluginPackage(
  name: string,
  dir: string,
  manifest: Manifest,
  problems: PluginPackageProblem[],
): PluginPackage | undefined {
  const { role, pluginId } = manifest.mekong ?? {};
  const version = manifest.version ?? '';
  if (typeof role !== 'string' || !ROLES.includes(role) || typeof pluginId !== 'string' || pluginId === '') {
    problems.push({
      code: 'PLUGIN_PACKAGE_INVALID',
      message: `${name} (${dir}) has "mekong" metadata without a role of "plugin" or "plugin-api" and a pluginId`,
      hint: `write "mekong": { "role": "plugin" | "plugin-api", "pluginId": "<plugin id>" } in its package.json`,
    });
    return undefined;
  }
  if (semver.valid(version) === null) {
    problems.push({
      code: 'PLUGIN_PACKAGE_INVALID',
      message: `${name} (${dir}) has no semver version (found '${version}')`,
      hint: 'give the package a version such as "1.2.0"',
    });
    return undefined;
  }
  return { name, version, role: role as PluginPackageRole, pluginId, dir };
}

function dependenciesOf(manifest: Manifest, isRoot: boolean): Record<string, string> {
  return {
    ...(isRoot ? manifest.devDependencies : {}),
    ...manifest.optionalDependencies,
    ...manifest.dependencies,
    // A plugin's range for an -api package is its peer range (its dev link, if any, is for its own tests).
    ...manifest.peerDependencies,
  };
}

/** Where `name` resolves from `fromDir`, as Node.js looks it up (`node_modules` folders upwards), symlinks resolved. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function nearestPackageDir(fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function readManifest(path: string): Manifest {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return {};
  }
}
