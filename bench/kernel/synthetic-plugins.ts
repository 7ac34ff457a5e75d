import { createServiceFactory, createServiceRef, definePlugin, type Plugin } from '@mekong/kernel';

/** The dependency shapes the boot benchmark measures. */
export type GraphShape = 'chain' | 'fan-out';

/**
 * `count` no-op plugins. chain: p1 depends on p0, p2 on p1, ... (no concurrency). fan-out: every plugin
 * depends on p0 (maximal concurrency).
 */
export function syntheticPlugins(count: number, shape: GraphShape): Plugin[] {
  return Array.from({ length: count }, (_, i) => {
    const dependsOn = i === 0 ? undefined : shape === 'chain' ? `p${i - 1}` : 'p0';
    return definePlugin({
      id: `p${i}`,
      version: '1.0.0',
      kernel: '^0.1.0',
      ...(dependsOn ? { dependencies: { [dependsOn]: '^1.0.0' } } : {}),
      register(env) {
        env.registerInit({ deps: {}, init() {} });
      },
    }) as Plugin;
  });
}

/** A service a plugin provides, for the resolution benchmark. */
export const counterRef = createServiceRef<{ value: number }>({ id: 'counter.value' });

/** A plugin that provides {@link counterRef}. */
export const counterPlugin = definePlugin({
  id: 'counter',
  version: '1.0.0',
  kernel: '^0.1.0',
  register(env) {
    env.provideService(createServiceFactory({ service: counterRef, factory: () => ({ value: 1 }) }));
  },
});
