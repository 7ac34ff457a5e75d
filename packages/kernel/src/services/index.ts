export type { ClockService } from './clock.js';
export { systemClock } from './clock.js';
export type { ConfigService } from './config.js';
export { coreServices } from './core-services.js';
export type { DeadLetter, DomainEvent, EventBus, EventBusOptions, EventsService, EventType } from './events.js';
export { createEventType } from './events.js';
export type { LifecycleHook, LifecycleService } from './lifecycle.js';
export type { PluginStatusService } from './plugin-status.js';
export type { SchedulerService, TaskDefinition } from './scheduler.js';
