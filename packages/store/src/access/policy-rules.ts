import type { AccessPolicy, Interaction } from './access-policy.js';

/**
 * The rules of a policy that apply to one resource type. `*` rules cover every type but AuditEvent: reading
 * the audit trail needs a rule that names it, and no rule makes it writable.
 */
export function rulesFor(policy: AccessPolicy, type: string) {
  return policy.rules.filter((rule) => rule.type === type || (rule.type === '*' && type !== 'AuditEvent'));
}

/** Whether the policy allows the interaction on the type. */
export function allows(policy: AccessPolicy, type: string, interaction: Interaction): boolean {
  if (type === 'AuditEvent' && !['read', 'search'].includes(interaction)) return false;
  return rulesFor(policy, type).some((rule) => rule.interactions.includes(interaction));
}

/** The element paths of the type the caller may not see. */
export function hiddenFieldsOf(policy: AccessPolicy, type: string): string[] {
  return [...new Set(rulesFor(policy, type).flatMap((rule) => rule.hiddenFields ?? []))];
}

/** The element paths of the type the caller may not change: read-only and hidden ones alike. */
export function protectedFieldsOf(policy: AccessPolicy, type: string): string[] {
  return [
    ...new Set(
      rulesFor(policy, type).flatMap((rule) => [...(rule.readonlyFields ?? []), ...(rule.hiddenFields ?? [])]),
    ),
  ];
}
