import type { Logger } from 'pino';
import { createServiceRef } from '../refs/service-ref.js';
import type { ClockService } from './clock.js';
import type { ConfigService } from './config.js';
import type { EventBus, EventsService } from './events.js';
import type { LifecycleService } from './lifecycle.js';
import type { PluginStatusService } from './plugin-status.js';
import type { SchedulerService } from './scheduler.js';

/**
 * The services every host provides. Root services have one instance per host; plugin services have one per
 * plugin (the logger names its plugin; lifecycle hooks and scheduled tasks belong to their plugin).
 */
export const coreServices = {
  /** The host's whole configuration, validated. */
  config: createServiceRef<ConfigService>({ id: 'core.config', scope: 'root' }),
  /** The host's logger (pino). Plugins use `logger`. */
  rootLogger: createServiceRef<Logger>({ id: 'core.rootLogger', scope: 'root' }),
  /** A pino child logger bound to the plugin (`{ plugin: id }` on every line). */
  logger: createServiceRef<Logger>({ id: 'core.logger', scope: 'plugin' }),
  /** Start and shutdown hooks of the plugin. */
  lifecycle: createServiceRef<LifecycleService>({ id: 'core.lifecycle', scope: 'plugin' }),
  /** Shutdown hooks of root services, run after every plugin has stopped. */
  rootLifecycle: createServiceRef<LifecycleService>({ id: 'core.rootLifecycle', scope: 'root' }),
  /** Typed domain events, published as the plugin. */
  events: createServiceRef<EventsService>({ id: 'core.events', scope: 'plugin' }),
  /** The host's event bus; hosts and tests read dead letters from it. Plugins use `events`. */
  eventBus: createServiceRef<EventBus>({ id: 'core.eventBus', scope: 'root' }),
  /** The current time; replace it in tests. */
  clock: createServiceRef<ClockService>({ id: 'core.clock', scope: 'root' }),
  /** Recurring background tasks owned by the plugin, stopped with it. */
  scheduler: createServiceRef<SchedulerService>({ id: 'core.scheduler', scope: 'plugin' }),
  /** The status of every installed plugin and the boot report. */
  pluginStatus: createServiceRef<PluginStatusService>({ id: 'core.pluginStatus', scope: 'root' }),
} as const;
