import { type AccessPolicy, type Interaction, WRITE_INTERACTIONS } from './access-policy.js';

/** The rules of a policy that apply to one resource type: those naming it, and `*` rules. */
export function rulesFor(policy: AccessPolicy, type: string) {
  return policy.rules.filter((rule) => rule.type === type || rule.type === '*');
}

/** Whether the policy allows the interaction on the type. No rule makes AuditEvent writable. */
export function allows(policy: AccessPolicy, type: string, interaction: Interaction): boolean {
  if (type === 'AuditEvent' && WRITE_INTERACTIONS.includes(interaction)) return false;
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
