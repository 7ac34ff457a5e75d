import type { BootReport, PluginStatus } from '../host/boot-report.js';
import type { PluginManifest } from '../plugin/manifest.js';

/**
 * What became of the deployment's plugins, for servers and health checks: a plugin's routes answer only
 * while it is `started`, and readiness needs every plugin started.
 */
export interface PluginStatusService {
  /** `pending` until the plugin's boot settles; `absent` when no such plugin is installed. */
  status(pluginId: string): PluginStatus | 'pending' | 'absent';
  /**
   * The manifest of an installed plugin (whatever its status), or undefined: lets an extension point's owner
   * check a contribution against its contributor's declared capabilities (a server, its route prefixes).
   */
  manifest(pluginId: string): PluginManifest | undefined;
  /** The boot report, once the host's start has settled. */
  report(): BootReport | undefined;
}
