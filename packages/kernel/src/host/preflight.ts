import semver from 'semver';
import type { z } from 'zod';
import type { PreflightProblem } from '../errors/preflight-problem.js';
import { validationIssues } from '../errors/zod-issues.js';
import { collectDeclarations, type PluginDeclarations } from '../plugin/declarations.js';
import type { Plugin } from '../plugin/define-plugin.js';
import type { PluginEnv } from '../plugin/plugin-env.js';
import type { ServiceDeps } from '../refs/deps.js';
import { type ExtensionPoint, isExtensionPoint } from '../refs/extension-point.js';
import type { ServiceFactory } from '../refs/service-factory.js';
import { isOptionalServiceRef, type ServiceRef } from '../refs/service-ref.js';
import { getOrCreate } from '../util/get-or-create.js';
import type { BootPlan, PlannedContribution, PlannedPlugin } from './boot-plan.js';
import { findCycles, topologicalOrder } from './dependency-graph.js';
import { bootSettingsFor, type HostConfig, type KernelConfig, kernelConfigSchema } from './host-config.js';
import { checkRefIds, type DuplicatedIds } from './ref-ids.js';
import { checkRoutePrefixes } from './route-prefixes.js';

/** What pre-flight needs to know. */
export interface PreflightInput {
  readonly plugins: readonly Plugin[];
  readonly config: HostConfig;
  readonly hostServices: ReadonlyMap<ServiceRef<unknown>, ServiceFactory>;
  readonly kernelVersion: string;
}

/** The outcome: every problem found, and a plan when there are none. */
export interface PreflightResult {
  readonly problems: PreflightProblem[];
  readonly plan: BootPlan | undefined;
}

const HOST = '<host>';

/**
 * Checks a deployment before anything runs and collects every problem: duplicate ids, kernel and dependency
 * versions, route prefixes, cycles, config, registration, extension points and services.
 */
export function preflight(input: PreflightInput): PreflightResult {
  const problems: PreflightProblem[] = [];
  const plugins = uniquePlugins(input.plugins, problems);
  checkVersions(plugins, input.kernelVersion, problems);
  const graph = dependencyGraph(plugins);
  checkRoutePrefixes(plugins, graph, problems);
  for (const cycle of findCycles(graph)) {
    problems.push({
      code: 'DEPENDENCY_CYCLE',
      pluginId: cycle[0] as string,
      message: `dependency cycle: ${cycle.join(' -> ')}`,
      hint: 'break the cycle: move the shared contract into a plugin both depend on, or make one edge an extension point',
    });
  }
  const { kernel, configs, values } = validateConfig(plugins, input.config, problems);
  const declarations = new Map<string, PluginDeclarations>();
  for (const [id, plugin] of plugins) {
    try {
      declarations.set(id, collectDeclarations(id, plugin.register as (env: PluginEnv<unknown>) => void));
    } catch (error) {
      problems.push({
        code: 'REGISTER_FAILED',
        pluginId: id,
        message: `register() threw: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'register() must only declare; move work into the init',
      });
    }
  }
  const duplicated = checkRefIds(declarations, input.hostServices, problems);
  const pluginServices = checkServices(plugins, declarations, input.hostServices, duplicated, problems);
  const { extensionOwners, contributions } = checkExtensionPoints(plugins, declarations, duplicated, problems);

  if (problems.length > 0 || !kernel) return { problems, plan: undefined };
  const planned = new Map<string, PlannedPlugin>();
  for (const [id, plugin] of plugins) {
    planned.set(id, {
      plugin,
      id,
      version: plugin.manifest.version,
      declarations: declarations.get(id) as PluginDeclarations,
      config: configs.get(id),
      settings: bootSettingsFor(kernel, id),
      requires: Object.keys(plugin.manifest.dependencies),
      uses: Object.keys(plugin.manifest.optionalDependencies).filter((dep) => plugins.has(dep)),
    });
  }
  return {
    problems,
    plan: {
      kernel,
      config: values,
      plugins: planned,
      order: topologicalOrder(graph),
      graph,
      hostServices: input.hostServices,
      pluginServices,
      extensionOwners,
      contributions,
    },
  };
}

function uniquePlugins(list: readonly Plugin[], problems: PreflightProblem[]): Map<string, Plugin> {
  const plugins = new Map<string, Plugin>();
  for (const plugin of list) {
    const { id, version } = plugin.manifest;
    const first = plugins.get(id);
    if (first) {
      problems.push({
        code: 'DUPLICATE_PLUGIN_ID',
        pluginId: id,
        message: `plugin id '${id}' is added twice (versions ${first.manifest.version} and ${version})`,
        hint: 'add each plugin once; two different plugins must have different ids',
      });
      continue;
    }
    plugins.set(id, plugin);
  }
  return plugins;
}

function checkVersions(
  plugins: ReadonlyMap<string, Plugin>,
  kernelVersion: string,
  problems: PreflightProblem[],
): void {
  for (const [id, { manifest }] of plugins) {
    if (!semver.satisfies(kernelVersion, manifest.kernel, { includePrerelease: true })) {
      problems.push({
        code: 'KERNEL_VERSION_UNSATISFIED',
        pluginId: id,
        message: `needs kernel ${manifest.kernel} but this host runs kernel ${kernelVersion}`,
        hint: `install a version of '${id}' built for kernel ${kernelVersion}, or a kernel that satisfies ${manifest.kernel}`,
      });
    }
    const check = (deps: Readonly<Record<string, string>>, required: boolean) => {
      for (const [depId, range] of Object.entries(deps)) {
        const dep = plugins.get(depId);
        if (!dep) {
          if (required) {
            problems.push({
              code: 'MISSING_DEPENDENCY',
              pluginId: id,
              message: `requires plugin '${depId}' ${range}, which is not installed`,
              hint: `add '${depId}' (a version in ${range}) to the host, or remove '${id}'`,
            });
          }
          continue;
        }
        if (!semver.satisfies(dep.manifest.version, range, { includePrerelease: true })) {
          problems.push({
            code: 'DEPENDENCY_VERSION_MISMATCH',
            pluginId: id,
            message: `${required ? 'requires' : 'can use'} '${depId}' ${range} but version ${dep.manifest.version} is installed`,
            hint: `install a version of '${depId}' in ${range}, or a version of '${id}' that accepts ${dep.manifest.version}`,
          });
        }
      }
    };
    check(manifest.dependencies, true);
    check(manifest.optionalDependencies, false);
  }
}

function dependencyGraph(plugins: ReadonlyMap<string, Plugin>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [id, { manifest }] of plugins) {
    const deps = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies)];
    graph.set(id, deps.filter((dep) => plugins.has(dep)).sort());
  }
  return graph;
}

function validateConfig(plugins: ReadonlyMap<string, Plugin>, config: HostConfig, problems: PreflightProblem[]) {
  const configs = new Map<string, unknown>();
  const report = (pluginId: string, prefix: string, error: z.ZodError) => {
    for (const issue of validationIssues(error, prefix.split('.'))) {
      const path = issue.path;
      problems.push({
        code: 'INVALID_CONFIG',
        pluginId,
        path,
        message: `config ${path}: ${issue.message}`,
        hint: `correct ${path} in the host configuration`,
      });
    }
  };
  const kernelResult = kernelConfigSchema.safeParse(config.kernel ?? {});
  if (!kernelResult.success) report(HOST, 'kernel', kernelResult.error);
  const pluginSection = config.plugins ?? {};
  for (const [id, plugin] of plugins) {
    const result = plugin.configSchema.safeParse(pluginSection[id] ?? {});
    if (result.success) configs.set(id, result.data);
    else report(id, `plugins.${id}`, result.error);
  }
  const strangers = (section: object, prefix: string) => {
    for (const id of Object.keys(section)) {
      if (plugins.has(id)) continue;
      problems.push({
        code: 'INVALID_CONFIG',
        pluginId: id,
        path: `${prefix}.${id}`,
        message: `config ${prefix}.${id} is for a plugin that is not installed`,
        hint: `check the id for a typo (installed: ${[...plugins.keys()].sort().join(', ') || 'none'}), or remove the section`,
      });
    }
  };
  strangers(pluginSection, 'plugins');
  const kernelPlugins = (config.kernel as { plugins?: unknown } | undefined)?.plugins;
  if (kernelPlugins && typeof kernelPlugins === 'object') strangers(kernelPlugins, 'kernel.plugins');
  const kernel: KernelConfig | undefined = kernelResult.success ? kernelResult.data : undefined;
  const values = Object.freeze({ ...config, kernel, plugins: Object.fromEntries(configs) });
  return { kernel, configs, values };
}

function checkServices(
  plugins: ReadonlyMap<string, Plugin>,
  declarations: ReadonlyMap<string, PluginDeclarations>,
  hostServices: ReadonlyMap<ServiceRef<unknown>, ServiceFactory>,
  duplicated: DuplicatedIds,
  problems: PreflightProblem[],
) {
  const pluginServices = new Map<ServiceRef<unknown>, { pluginId: string; factory: ServiceFactory }>();
  for (const [id, declared] of declarations) {
    for (const factory of declared.services) {
      const ref = factory.service;
      const other = pluginServices.get(ref)?.pluginId ?? (hostServices.has(ref) ? HOST : undefined);
      if (other) {
        problems.push({
          code: 'SERVICE_DUPLICATE_PROVIDER',
          pluginId: id,
          message: `provides service '${ref.id}', which ${other === HOST ? 'the host' : `plugin '${other}'`} already provides`,
          hint: 'a service has exactly one provider; remove one of them, or give the second its own ref',
        });
        continue;
      }
      pluginServices.set(ref, { pluginId: id, factory });
    }
  }

  const checkDeps = (consumer: string, deps: ServiceDeps | object, what: string, rootOnly: boolean) => {
    for (const [key, dep] of Object.entries(deps)) {
      if (isExtensionPoint(dep)) continue;
      const isOptional = isOptionalServiceRef(dep);
      const ref = (isOptional ? dep.ref : dep) as ServiceRef<unknown>;
      const host = hostServices.get(ref);
      const provider = pluginServices.get(ref)?.pluginId;
      if (rootOnly && ref.scope === 'plugin') {
        problems.push({
          code: 'SERVICE_SCOPE_MISMATCH',
          pluginId: consumer,
          message: `${what} depends on plugin-scoped service '${ref.id}' (as '${key}'), but a root service cannot`,
          hint: 'depend on root-scoped services only, or make this service plugin-scoped',
        });
        continue;
      }
      if (host || provider === consumer) continue;
      // Another copy of this ref is provided: reported once as the duplicate it is.
      if (!provider && duplicated.services.has(ref.id)) continue;
      if (consumer === HOST) {
        if (!isOptional) {
          problems.push({
            code: 'SERVICE_NOT_PROVIDED',
            pluginId: HOST,
            message: `${what} needs service '${ref.id}' (as '${key}'), which the host does not provide`,
            hint: `pass a factory for '${ref.id}' in createHost({ services })`,
          });
        }
        continue;
      }
      if (!provider) {
        const manifest = plugins.get(consumer)?.manifest;
        // A missing required dependency is already reported, and is the likely provider.
        const missingDependency = manifest && Object.keys(manifest.dependencies).some((dep) => !plugins.has(dep));
        if (isOptional || missingDependency) continue;
        problems.push({
          code: 'SERVICE_NOT_PROVIDED',
          pluginId: consumer,
          message: `${what} needs service '${ref.id}' (as '${key}'), which no installed plugin or the host provides`,
          hint: `install the plugin that provides '${ref.id}', or mark the dependency optional(${key})`,
        });
        continue;
      }
      const manifest = plugins.get(consumer)?.manifest;
      if (manifest && !(provider in manifest.dependencies) && !(provider in manifest.optionalDependencies)) {
        problems.push({
          code: 'SERVICE_NOT_A_DEPENDENCY',
          pluginId: consumer,
          message: `${what} uses service '${ref.id}' of plugin '${provider}', but does not depend on '${provider}'`,
          hint: `add '${provider}' to the dependencies (or optionalDependencies) of '${consumer}'`,
        });
      }
    }
  };
  for (const factory of hostServices.values()) {
    checkDeps(HOST, factory.deps, `host service '${factory.service.id}'`, factory.service.scope === 'root');
  }
  for (const [id, declared] of declarations) {
    for (const factory of declared.services) checkDeps(id, factory.deps, `service '${factory.service.id}'`, false);
    for (const c of declared.contributions) checkDeps(id, c.deps, `contribution to '${c.point.id}'`, false);
    if (declared.init) checkDeps(id, declared.init.deps, 'init', false);
  }
  return pluginServices;
}

function checkExtensionPoints(
  plugins: ReadonlyMap<string, Plugin>,
  declarations: ReadonlyMap<string, PluginDeclarations>,
  duplicated: DuplicatedIds,
  problems: PreflightProblem[],
) {
  const extensionOwners = new Map<ExtensionPoint<unknown>, string>();
  for (const [id, declared] of declarations) {
    for (const point of declared.extensionPoints) {
      const owner = extensionOwners.get(point);
      if (owner !== undefined) {
        problems.push({
          code: 'EXTENSION_POINT_DUPLICATE_OWNER',
          pluginId: id,
          message: `registers extension point '${point.id}', which '${owner}' already owns`,
          hint: 'an extension point has one owner; contribute to it instead of registering it',
        });
        continue;
      }
      extensionOwners.set(point, id);
    }
  }

  const contributions = new Map<ExtensionPoint<unknown>, PlannedContribution[]>();
  for (const [id, declared] of declarations) {
    const manifest = (plugins.get(id) as Plugin).manifest;
    const dependsOn = (other: string) => other in manifest.dependencies || other in manifest.optionalDependencies;
    for (const contribution of declared.contributions) {
      const owner = extensionOwners.get(contribution.point);
      if (owner === undefined && duplicated.extensionPoints.has(contribution.point.id)) continue;
      if (owner === undefined) {
        const allInstalled = [
          ...Object.keys(manifest.dependencies),
          ...Object.keys(manifest.optionalDependencies),
        ].every((dep) => plugins.has(dep));
        // An absent optional dependency may be the owner: the contribution then simply has nowhere to go.
        if (allInstalled) {
          problems.push({
            code: 'EXTENSION_POINT_UNKNOWN',
            pluginId: id,
            message: `contributes to extension point '${contribution.point.id}', which no installed plugin registers`,
            hint: `install the plugin that owns '${contribution.point.id}' and add it to the dependencies of '${id}'`,
          });
        }
        continue;
      }
      if (owner !== id && !dependsOn(owner)) {
        problems.push({
          code: 'EXTENSION_POINT_NOT_A_DEPENDENCY',
          pluginId: id,
          message: `contributes to extension point '${contribution.point.id}' of '${owner}' without depending on '${owner}'`,
          hint: `add '${owner}' to the dependencies (or optionalDependencies) of '${id}'`,
        });
        continue;
      }
      getOrCreate(contributions, contribution.point, () => []).push({ pluginId: id, contribution });
    }
    for (const [key, dep] of Object.entries(declared.init?.deps ?? {})) {
      if (isExtensionPoint(dep) && extensionOwners.get(dep) !== id && !duplicated.extensionPoints.has(dep.id)) {
        problems.push({
          code: 'EXTENSION_POINT_NOT_A_DEPENDENCY',
          pluginId: id,
          message: `init asks for extension point '${dep.id}' (as '${key}'), but only its owner receives contributions`,
          hint: `contribute with env.contribute(...) instead, or register the point in '${id}' if it owns it`,
        });
      }
    }
  }

  for (const [point, owner] of extensionOwners) {
    const list = contributions.get(point) ?? [];
    list.sort(
      (a, b) =>
        b.contribution.priority - a.contribution.priority ||
        (a.pluginId < b.pluginId ? -1 : a.pluginId > b.pluginId ? 1 : 0),
    );
    contributions.set(point, list);
    if (point.cardinality !== 'single') continue;
    if (list.length > 1) {
      problems.push({
        code: 'EXTENSION_POINT_CONFLICT',
        pluginId: owner,
        message: `extension point '${point.id}' takes a single contribution but got ${list.length}, from ${list.map((c) => `'${c.pluginId}'`).join(' and ')}`,
        hint: `remove all but one of ${list.map((c) => `'${c.pluginId}'`).join(', ')} from the host`,
      });
    } else if (list.length === 0) {
      problems.push({
        code: 'EXTENSION_POINT_MISSING',
        pluginId: owner,
        message: `extension point '${point.id}' needs exactly one contribution and got none`,
        hint: `install a plugin that contributes to '${point.id}'`,
      });
    }
  }
  return { extensionOwners, contributions };
}
