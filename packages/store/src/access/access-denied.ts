import { StoreError } from '../errors.js';
import type { AccessContext } from './access-context.js';
import { type Interaction, WRITE_INTERACTIONS } from './access-policy.js';

const VERBS: Partial<Record<Interaction, string>> = { history: 'read the history of' };

/** Names the caller as messages do: the plugin, else the agent (and the client it came through). */
export function callerOf(context: AccessContext): string {
  if (context.plugin) return `plugin '${context.plugin}'`;
  return `${context.agent.kind} '${context.agent.id}'${context.client ? ` (client '${context.client}')` : ''}`;
}

/**
 * The caller may not do this: its policy does not allow the interaction on the type, or the resource is
 * another patient's. Recorded in the audit trail as refused; a server answers 403.
 */
export class AccessDeniedError extends StoreError {
  /**
   * @param target The resource type, or `Type/id` when one resource is concerned.
   * @param reason Why, when it is not that the policy leaves the interaction out.
   */
  constructor(context: AccessContext, interaction: Interaction, target: string, reason?: string, hint?: string) {
    const who = callerOf(context);
    const type = target.split('/')[0] as string;
    const access = WRITE_INTERACTIONS.includes(interaction) ? 'write' : 'read';
    super({
      code: 'ACCESS_DENIED',
      status: 403,
      message: `${who} may not ${VERBS[interaction] ?? interaction} ${target}: ${
        reason ??
        (type === 'AuditEvent' && access === 'write'
          ? 'the audit trail is written by the store alone'
          : context.plugin
            ? `it is not among the resource types it may ${access}`
            : `its access policy does not allow ${interaction} on ${type}`)
      }`,
      hint:
        hint ??
        (type === 'AuditEvent' && access === 'write'
          ? 'every access through the store is audited: there is nothing to write by hand'
          : context.plugin
            ? `declare '${type}' in capabilities.resources.${access} of plugin '${context.plugin}'`
            : `ask for an access policy with a rule that allows ${interaction} on ${type} for ${who}`),
    });
  }
}
