import { hostname, userInfo } from 'node:os';
import type { Agent } from '@mekong/store';

/**
 * Who runs a command, as the audit trail names them: the operating-system user, as the system agent
 * `mekong-cli/<user>`, shown as `<user>@<host> (mekong CLI)`. A command has no HTTP caller, credential or
 * network address: whoever may run it against the deployment's database acts as its administrator, and their
 * OS account is what identifies them. A system agent, not a user, so an OS account is never taken for the
 * identity provider's user of the same name.
 */
export function cliAgent(): Agent {
  const user = osUser();
  return { kind: 'system', id: `mekong-cli/${user}`, display: `${user}@${hostname()} (mekong CLI)` };
}

// The account of the process's uid; without one (a container's arbitrary uid), the uid itself. Never $USER,
// which anyone sets as they like.
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
