/**
 * The Mekong kernel: the plugin contract (`definePlugin`), typed services and extension points, and the
 * host that checks a deployment before anything runs, then boots and stops it in dependency order.
 *
 * @packageDocumentation
 */
export * from './errors/index.js';
export * from './host/index.js';
export * from './plugin/index.js';
export * from './refs/index.js';
export * from './services/index.js';
export { KERNEL_VERSION } from './version.js';
