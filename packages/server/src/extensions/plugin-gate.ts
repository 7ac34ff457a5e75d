import type { PluginStatusService } from '@mekong/kernel';
import { HttpError } from '../http/http-error.js';

/**
 * Answers for a plugin's routes only while it is started: contributions exist before their plugin's init, so
 * a plugin that then failed or was disabled must not be served. 503 while it is still starting, 404 after.
 */
export function checkPluginStarted(status: PluginStatusService, pluginId: string, what: string): void {
  const current = status.status(pluginId);
  if (current === 'started') return;
  if (current === 'pending') {
    throw new HttpError({
      status: 503,
      message: `${what} belongs to plugin '${pluginId}', which is still starting`,
      hint: 'retry in a moment',
      headers: { 'retry-after': '1' },
    });
  }
  throw new HttpError({
    status: 404,
    code: 'not-found',
    message: `${what} is not available: plugin '${pluginId}' that provides it is ${current}`,
    hint: 'an administrator can see why in the boot report (/admin/plugins)',
  });
}
