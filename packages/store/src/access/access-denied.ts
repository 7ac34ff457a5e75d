import { StoreError } from '../errors.js';
import type { AccessContext } from './access-context.js';
import { type Interaction, WRITE_INTERACTIONS } from './access-policy.js';

const VERBS: Partial<Record<Interaction, string>> = { history: 'read the history of' };

/**
 * Names the caller as messages do: the plugin acting on its own, the agent (and the client it came through), or
 * the agent through the plugin whose code serves it.
 */
export function callerOf(context: AccessContext): string {
  const agent = `${context.agent.kind} '${context.agent.id}'${context.client ? ` (client '${context.client}')` : ''}`;
  if (!context.plugin) return agent;
  return context.agent.kind === 'plugin' ? `plugin '${context.plugin}'` : `${agent} through plugin '${context.plugin}'`;
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
    const auditWrite = type === 'AuditEvent' && access === 'write';
    // Plugin code serving a caller has the caller's policy narrowed to the plugin's declared types: either may
    // be what leaves the interaction out, and the store no longer knows which.
    const forCaller = context.plugin !== undefined && context.agent.kind !== 'plugin';
    super({
      code: 'ACCESS_DENIED',
      status: 403,
      message: `${who} may not ${VERBS[interaction] ?? interaction} ${target}: ${
        reason ??
        (auditWrite
          ? 'the audit trail is written by the store alone'
          : forCaller
            ? `the caller's access policy, narrowed to the types the plugin declares, does not allow ${interaction} on ${type}`
            : context.plugin
              ? `it is not among the resource types it may ${access}`
              : `its access policy does not allow ${interaction} on ${type}`)
      }`,
      hint:
        hint ??
        (auditWrite
          ? 'every access through the store is audited: there is nothing to write by hand'
          : forCaller
            ? `the caller needs a role that allows ${interaction} on ${type}; if it has one, declare '${type}' in capabilities.resources.${access} of plugin '${context.plugin}'`
            : context.plugin
              ? `declare '${type}' in capabilities.resources.${access} of plugin '${context.plugin}'`
              : `ask for an access policy with a rule that allows ${interaction} on ${type} for ${who}`),
    });
  }
}
