import type { PreflightProblem } from '../errors/preflight-problem.js';
import type { PluginDeclarations } from '../plugin/declarations.js';
import { type ExtensionPoint, isExtensionPoint } from '../refs/extension-point.js';
import type { ServiceFactory } from '../refs/service-factory.js';
import { isOptionalServiceRef, isServiceRef, type ServiceRef } from '../refs/service-ref.js';
import { getOrCreate } from '../util/get-or-create.js';

const HOST = '<host>';

/** Ids of refs and points that exist as more than one object: pre-flight reports them once, here. */
export interface DuplicatedIds {
  readonly services: ReadonlySet<string>;
  readonly extensionPoints: ReadonlySet<string>;
}

type Kind = 'service' | 'extension point';
/** For each id, each distinct object carrying it, and who holds that object (plugin ids, or the host). */
type Holders = Map<string, Map<object, Map<string, string>>>;

/**
 * Checks the ids of the refs and extension points in a deployment:
 * - a service a plugin provides, or an extension point it registers, carries its owner's id as prefix
 *   (`pharmacy.formulary`, `pharmacy.interactionCheckers`). Ids are how pre-flight tells one ref apart from
 *   another, so they must be unique per owner; the kernel's own services (`core.*`) come from the host.
 * - one id, one object: two distinct objects with one id are two copies of the package that defines them
 *   (two versions of an `-api` package installed side by side). They never meet at run time, so this is
 *   reported as exactly that, rather than as a service nobody provides.
 */
export function checkRefIds(
  declarations: ReadonlyMap<string, PluginDeclarations>,
  hostServices: ReadonlyMap<ServiceRef<unknown>, ServiceFactory>,
  problems: PreflightProblem[],
): DuplicatedIds {
  for (const [pluginId, declared] of declarations) {
    for (const factory of declared.services) {
      // Providing a host service (`core.*`) is a duplicate provider, reported as such.
      if (!hostServices.has(factory.service)) checkPrefix(pluginId, 'service', factory.service.id, problems);
    }
    for (const point of declared.extensionPoints) checkPrefix(pluginId, 'extension point', point.id, problems);
  }

  const services: Holders = new Map();
  const points: Holders = new Map();
  const hold = (holder: string, dep: unknown, role: string) => {
    const ref = isOptionalServiceRef(dep) ? dep.ref : dep;
    if (isServiceRef(ref)) record(services, ref, holder, role);
    else if (isExtensionPoint(ref)) record(points, ref, holder, role);
  };
  const holdDeps = (holder: string, deps: object, what: string) => {
    for (const [key, dep] of Object.entries(deps)) hold(holder, dep, `${what} needs it as '${key}'`);
  };
  for (const [ref, factory] of hostServices) {
    hold(HOST, ref, 'provides it');
    holdDeps(HOST, factory.deps, `service '${ref.id}'`);
  }
  for (const [pluginId, declared] of declarations) {
    for (const factory of declared.services) {
      hold(pluginId, factory.service, 'provides it');
      holdDeps(pluginId, factory.deps, `service '${factory.service.id}'`);
    }
    for (const point of declared.extensionPoints) hold(pluginId, point, 'registers it');
    for (const contribution of declared.contributions) {
      hold(pluginId, contribution.point, 'contributes to it');
      holdDeps(pluginId, contribution.deps, `contribution to '${contribution.point.id}'`);
    }
    if (declared.init) holdDeps(pluginId, declared.init.deps, 'init');
  }
  return {
    services: reportCopies(services, 'service', problems),
    extensionPoints: reportCopies(points, 'extension point', problems),
  };
}

function checkPrefix(pluginId: string, kind: Kind, id: string, problems: PreflightProblem[]): void {
  if (id.startsWith(`${pluginId}.`)) return;
  const name = id.includes('.') ? id.slice(id.lastIndexOf('.') + 1) : id;
  const create = kind === 'service' ? 'createServiceRef' : 'createExtensionPoint';
  problems.push({
    code: 'ID_NOT_OWNER_PREFIXED',
    pluginId,
    message: `${kind === 'service' ? 'provides service' : 'registers extension point'} '${id}', whose id does not start with its owner's id ('${pluginId}.')`,
    hint: `rename it in its ${create}({ id: '${pluginId}.${name}' }): an id carries its owner's prefix, so no two plugins' ids collide and pre-flight can tell two copies of one ref from two refs`,
  });
}

function record(holders: Holders, ref: ServiceRef<unknown> | ExtensionPoint<unknown>, holder: string, role: string) {
  const byObject = getOrCreate(holders, ref.id, () => new Map());
  const byHolder = getOrCreate(byObject, ref, () => new Map<string, string>());
  if (!byHolder.has(holder)) byHolder.set(holder, role);
}

function reportCopies(holders: Holders, kind: Kind, problems: PreflightProblem[]): Set<string> {
  const duplicated = new Set<string>();
  for (const [id, byObject] of holders) {
    if (byObject.size < 2) continue;
    duplicated.add(id);
    const copies = [...byObject.values()];
    const describe = (copy: Map<string, string>) =>
      [...copy].map(([holder, role]) => `${holder === HOST ? 'the host' : `'${holder}'`} (${role})`).join(', ');
    const owner = id.includes('.') ? id.slice(0, id.indexOf('.')) : id;
    const pkg = owner === 'core' ? '@mekong/kernel' : `the -api package of '${owner}'`;
    const second = [...(copies[1] as Map<string, string>).keys()].find((holder) => holder !== HOST);
    const first = [...(copies[0] as Map<string, string>).keys()].find((holder) => holder !== HOST);
    problems.push({
      code: kind === 'service' ? 'SERVICE_REF_DUPLICATE_ID' : 'EXTENSION_POINT_DUPLICATE_ID',
      pluginId: second ?? first ?? HOST,
      message: `${kind} '${id}' exists as ${copies.length} distinct objects, so its users never meet: ${copies.map((copy, i) => `copy ${i + 1} held by ${describe(copy)}`).join('; ')}. Two copies of the package that defines it are loaded (usually two versions of ${pkg} installed side by side)`,
      hint: `install one copy of ${pkg}: \`pnpm why <package>\` (or \`npm ls <package>\`) shows who pulls in which version; align their version ranges so the package manager dedupes it`,
    });
  }
  return duplicated;
}
