import {
  coreServices,
  createExtensionPoint,
  createServiceFactory,
  createServiceRef,
  definePlugin,
} from '@mekong/kernel';

// A service: a typed ref that other plugins depend on. The object is the identity; no string lookups.
export interface StockService {
  available(drugCode: string): number;
}
export const stockServiceRef = createServiceRef<StockService>({ id: 'pharmacy.stock' });

// An extension point: owned by pharmacy, contributed to by other plugins.
export interface InteractionChecker {
  check(drugCodes: readonly string[]): string[];
}
export const interactionCheckers = createExtensionPoint<InteractionChecker>({
  id: 'pharmacy.interactionCheckers',
  cardinality: 'multiple',
});

export const pharmacyPlugin = definePlugin({
  id: 'pharmacy',
  version: '0.1.0',
  kernel: '^0.1.0',
  capabilities: { resources: { read: ['Patient'], write: ['MedicationDispense'] } },
  register(env) {
    env.registerExtensionPoint(interactionCheckers);
    env.provideService(
      createServiceFactory({
        service: stockServiceRef,
        factory: () => ({ available: (code) => (code === 'N02BE01' ? 120 : 0) }),
      }),
    );
    env.registerInit({
      deps: { checkers: interactionCheckers, lifecycle: coreServices.lifecycle, log: coreServices.logger },
      async init({ checkers, lifecycle, log }) {
        log.info({ checkers: checkers.map((c) => c.pluginId) }, 'interaction checkers installed');
        lifecycle.addShutdownHook(() => log.info('pharmacy stopped'));
      },
    });
  },
});

// A contributor: depends on pharmacy, adds a checker, and uses pharmacy's service.
export const warfarinCheckPlugin = definePlugin({
  id: 'warfarin-check',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { pharmacy: '^0.1.0' },
  register(env) {
    env.contribute(interactionCheckers, {
      priority: 100,
      value: {
        check: (codes) =>
          codes.includes('B01AA03') && codes.includes('M01AE01') ? ['warfarin + ibuprofen: bleeding risk'] : [],
      },
    });
    env.registerInit({
      deps: { stock: stockServiceRef, log: coreServices.logger },
      init({ stock, log }) {
        log.info({ warfarinInStock: stock.available('B01AA03') }, 'warfarin check ready');
      },
    });
  },
});
