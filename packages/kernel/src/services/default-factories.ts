import { pino } from 'pino';
import { createServiceFactory, type ServiceFactory } from '../refs/service-factory.js';
import { systemClock } from './clock.js';
import { coreServices } from './core-services.js';
import { EventBus } from './events.js';
import { createScheduler } from './scheduler.js';

/**
 * Default implementations of the replaceable core services. `config`, `lifecycle` and `rootLifecycle` are
 * the host's own and cannot be replaced.
 */
export const defaultServiceFactories: readonly ServiceFactory[] = [
  createServiceFactory({
    service: coreServices.rootLogger,
    deps: { config: coreServices.config },
    factory: ({ config }) => pino({ name: 'mekong', level: config.kernel.logLevel }),
  }),
  createServiceFactory({
    service: coreServices.logger,
    deps: { root: coreServices.rootLogger },
    factory: ({ root }, { pluginId }) => root.child({ plugin: pluginId }),
  }),
  createServiceFactory({ service: coreServices.clock, factory: () => systemClock }),
  createServiceFactory({
    service: coreServices.eventBus,
    deps: {
      config: coreServices.config,
      clock: coreServices.clock,
      log: coreServices.rootLogger,
      lifecycle: coreServices.rootLifecycle,
    },
    factory: ({ config, clock, log, lifecycle }) => {
      const bus = new EventBus(config.kernel.events, clock, log.child({ component: 'events' }));
      lifecycle.addShutdownHook(() => bus.close(), { label: 'event bus' });
      return bus;
    },
  }),
  createServiceFactory({
    service: coreServices.events,
    deps: { bus: coreServices.eventBus },
    factory: ({ bus }, { pluginId }) => bus.forPlugin(pluginId ?? 'host'),
  }),
  createServiceFactory({
    service: coreServices.scheduler,
    deps: { lifecycle: coreServices.lifecycle, log: coreServices.logger },
    factory: ({ lifecycle, log }, { pluginId }) => createScheduler(pluginId ?? 'host', lifecycle, log),
  }),
] as ServiceFactory[];
