import { createExtensionPoint, createServiceRef, definePlugin, type Plugin, type PluginEnv } from '@mekong/kernel';

/** A minimal plugin for graph-shaped tests. */
export function plugin(
  id: string,
  options: {
    version?: string;
    kernel?: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    register?: (env: PluginEnv<Record<string, never>>) => void;
  } = {},
): Plugin {
  return definePlugin({
    id,
    version: options.version ?? '1.0.0',
    kernel: options.kernel ?? '^0.1.0',
    ...(options.dependencies ? { dependencies: options.dependencies } : {}),
    ...(options.optionalDependencies ? { optionalDependencies: options.optionalDependencies } : {}),
    register: options.register ?? (() => {}),
  }) as Plugin;
}

/** Records what happened, in order, across plugins. */
export function journal() {
  const entries: string[] = [];
  return { entries, add: (entry: string) => void entries.push(entry) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A triage-like contract used across tests. */
export interface Rule {
  readonly name: string;
}
export const rulesPoint = createExtensionPoint<Rule>({ id: 'owner.rules', cardinality: 'multiple' });
export const formatterPoint = createExtensionPoint<(s: string) => string, 'single'>({
  id: 'owner.formatter',
  cardinality: 'single',
});
export const greeterRef = createServiceRef<{ greet(name: string): string }>({ id: 'owner.greeter' });
