import { MekongError } from '../errors/mekong-error.js';
import type { InitDeps, ServiceDeps } from '../refs/deps.js';
import type { ExtensionPoint } from '../refs/extension-point.js';
import type { ServiceFactory } from '../refs/service-factory.js';
import type { Contribution, InitContext, InitRegistration, PluginEnv } from './plugin-env.js';

/** A contribution as recorded at registration. */
export interface DeclaredContribution {
  readonly point: ExtensionPoint<unknown>;
  readonly priority: number;
  readonly deps: ServiceDeps;
  readonly create: (deps: Record<string, unknown>, context: InitContext<unknown>) => unknown;
  /** A contribution given as a plain `value`: readable without running any plugin code. */
  readonly static: boolean;
}

/** Everything one plugin's `register(env)` declared. */
export interface PluginDeclarations {
  readonly extensionPoints: ExtensionPoint<unknown>[];
  readonly contributions: DeclaredContribution[];
  readonly services: ServiceFactory[];
  init: InitRegistration<unknown, InitDeps> | undefined;
}

/** Runs a plugin's `register` against a recording environment and returns what it declared. */
export function collectDeclarations(pluginId: string, register: (env: PluginEnv<unknown>) => void): PluginDeclarations {
  const declared: PluginDeclarations = { extensionPoints: [], contributions: [], services: [], init: undefined };
  const env: PluginEnv<unknown> = {
    pluginId,
    registerExtensionPoint(point) {
      declared.extensionPoints.push(point as ExtensionPoint<unknown>);
    },
    contribute(point, given) {
      const contribution = given as Contribution<unknown, ServiceDeps, unknown>;
      const priority = contribution.priority ?? 0;
      if (!Number.isFinite(priority)) {
        throw new MekongError({
          code: 'CONTRIBUTION_INVALID',
          pluginId,
          message: `contribution to '${point.id}' has a non-finite priority`,
          hint: 'use a finite number; higher priorities come first',
        });
      }
      const create =
        'create' in contribution ? (contribution.create as DeclaredContribution['create']) : () => contribution.value;
      const deps = 'create' in contribution ? (contribution.deps ?? {}) : {};
      declared.contributions.push({
        point: point as ExtensionPoint<unknown>,
        priority,
        deps,
        create,
        static: !('create' in contribution),
      });
    },
    provideService(factory) {
      declared.services.push(factory as unknown as ServiceFactory);
    },
    registerInit(registration) {
      if (declared.init) {
        throw new MekongError({
          code: 'INIT_ALREADY_REGISTERED',
          pluginId,
          message: 'registerInit was called more than once',
          hint: 'declare one init per plugin and put all of its work there',
        });
      }
      declared.init = registration as unknown as InitRegistration<unknown, InitDeps>;
    },
  };
  register(env);
  return declared;
}
