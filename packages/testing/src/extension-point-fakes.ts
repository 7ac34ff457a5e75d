import {
  definePlugin,
  type Extension,
  type ExtensionPoint,
  MekongError,
  type Plugin,
  type PluginEnv,
} from '@mekong/kernel';
import semver from 'semver';

/** What a faked owner does with the contributions it receives (as the owner's init would). */
export type ReceiveContributions<T> = {
  // A method's parameters are bivariant: a receiver of one point's contributions fits the option's list.
  bivarianceHack(contributions: readonly Extension<T>[]): void | Promise<void>;
}['bivarianceHack'];

/**
 * An extension point whose owner a test fakes: `[point]`, or `[point, receive]` with a function that gets the
 * contributions when the fake owner inits.
 */
export type ExtensionPointFake<T = unknown> = readonly [point: ExtensionPoint<T>, receive?: ReceiveContributions<T>];

/** The contributions each faked point received, filled in when the fake owners init. */
export type ReceivedContributions = Map<ExtensionPoint<unknown>, readonly Extension<unknown>[]>;

/**
 * One plugin per owner of the faked points, posing as that owner: its id is the points' id prefix
 * (`triage.rules` is owned by `triage`), its version the lowest that every plugin depending on it accepts.
 */
export function fakeOwners(
  fakes: readonly ExtensionPointFake[],
  plugins: readonly Plugin[],
  received: ReceivedContributions,
): Plugin[] {
  const byOwner = new Map<string, ExtensionPointFake[]>();
  for (const fake of fakes) {
    const [point] = fake;
    const dot = point.id.indexOf('.');
    if (dot < 1) {
      throw new MekongError({
        code: 'TEST_FAKE_INVALID',
        message: `cannot fake the owner of extension point '${point.id}': its id names no owner`,
        hint: "name the point '<owner-plugin-id>.<name>' (for example 'triage.rules'), as pre-flight requires of its owner",
      });
    }
    const owner = point.id.slice(0, dot);
    if (plugins.some((plugin) => plugin.manifest.id === owner)) {
      throw new MekongError({
        code: 'TEST_FAKE_INVALID',
        message: `extensionPoints fakes '${point.id}', but its owner '${owner}' is among the plugins`,
        hint: `test against the real '${owner}' (drop the fake), or fake it (drop '${owner}' from plugins)`,
      });
    }
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), fake]);
  }
  return [...byOwner].map(([owner, points]) => fakeOwner(owner, versionFor(owner, plugins), points, received));
}

function fakeOwner(owner: string, version: string, fakes: ExtensionPointFake[], received: ReceivedContributions) {
  return definePlugin({
    id: owner,
    version,
    kernel: '*',
    description: `a fake of '${owner}' owning ${fakes.map(([point]) => `'${point.id}'`).join(', ')} (startTestHost extensionPoints)`,
    register(env: PluginEnv<unknown>) {
      for (const [point] of fakes) env.registerExtensionPoint(point);
      env.registerInit({
        deps: Object.fromEntries(fakes.map(([point], i) => [`point${i}`, point])),
        async init(deps) {
          for (const [i, [point, receive]] of fakes.entries()) {
            const given = (deps as Record<string, Extension<unknown> | readonly Extension<unknown>[]>)[`point${i}`];
            const list = given === undefined ? [] : Array.isArray(given) ? given : [given as Extension<unknown>];
            received.set(point, list);
            await receive?.(list);
          }
        },
      });
    },
  }) as Plugin;
}

/** The lowest version every plugin's range for `owner` accepts (its dependents declare what they need). */
function versionFor(owner: string, plugins: readonly Plugin[]): string {
  const ranges = plugins.flatMap(({ manifest }) =>
    [manifest.dependencies[owner], manifest.optionalDependencies[owner]].filter((r): r is string => r !== undefined),
  );
  const candidates = [...ranges.map((range) => semver.minVersion(range)?.version), '0.0.0'];
  const fits = candidates.find(
    (v) => v !== undefined && ranges.every((range) => semver.satisfies(v, range, { includePrerelease: true })),
  );
  if (fits) return fits;
  throw new MekongError({
    code: 'TEST_FAKE_INVALID',
    message: `no version of a fake '${owner}' satisfies every plugin's range for it (${ranges.join(', ')})`,
    hint: `align the ranges the plugins under test declare for '${owner}'`,
  });
}
