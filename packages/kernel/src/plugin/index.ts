export { renderConfigTable } from './config-table.js';
export type { Plugin, PluginDefinition } from './define-plugin.js';
export { definePlugin, isPlugin } from './define-plugin.js';
export type { Capabilities, CapabilitiesInput, PluginManifest } from './manifest.js';
export type { Contribution, InitContext, InitRegistration, PluginEnv } from './plugin-env.js';
