import {
  type AccessContext,
  type AccessPolicy,
  type Interaction,
  READ_INTERACTIONS,
  type ResourceGrant,
  type ResourceRule,
  ruleForType,
  type ScopedStore,
  type StoreAccess,
  WRITE_INTERACTIONS,
} from '@mekong/store';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.js';

const SECURITY_LABELS = 'meta.security';

/**
 * The policy the store enforces for a caller: its own, with `meta.security` read-only unless it is an
 * administrator (security labels decide who may see a resource: no one labels their own writes).
 */
export function callerPolicy(principal: Principal): AccessPolicy {
  if (principal.admin) return principal.policy;
  let policy = callerPolicies.get(principal);
  if (!policy) {
    policy = withReadonlyLabels(principal.policy);
    callerPolicies.set(principal, policy);
  }
  return policy;
}

// A principal's policy is made once: an API key's principal serves many requests.
const callerPolicies = new WeakMap<Principal, AccessPolicy>();

function withReadonlyLabels(policy: AccessPolicy): AccessPolicy {
  return {
    ...policy,
    rules: policy.rules.map((rule) => ({
      ...rule,
      readonlyFields: [...new Set([...(rule.readonlyFields ?? []), SECURITY_LABELS])],
    })),
  };
}

/**
 * A policy narrowed to what a plugin's manifest declares: plugin code acting for a caller may do what both the
 * caller and the plugin may do, never more than either.
 */
export function narrowToGrant(policy: AccessPolicy, grant: ResourceGrant): AccessPolicy {
  const declared = [...new Set([...grant.read, ...grant.write])];
  const rules: ResourceRule[] = [];
  for (const rule of policy.rules) {
    const types = rule.type === '*' ? declared.filter((type) => type !== 'AuditEvent') : [rule.type];
    for (const type of types) {
      const allowed = new Set<Interaction>([
        ...(grant.read.includes(type) ? READ_INTERACTIONS : []),
        ...(grant.write.includes(type) ? WRITE_INTERACTIONS : []),
      ]);
      const interactions = rule.interactions.filter((interaction) => allowed.has(interaction));
      if (interactions.length > 0) rules.push({ ...ruleForType(rule, type), interactions });
    }
  }
  return { ...policy, rules };
}

/** The caller of a request as the audit trail names it: agent, client, address, and the plugin serving it. */
export function callerContext(request: FastifyRequest, principal: Principal, pluginId?: string): AccessContext {
  return {
    agent: principal.agent,
    ...(pluginId ? { plugin: pluginId } : {}),
    ...(principal.client ? { client: principal.client } : {}),
    address: request.ip,
  };
}

/** A store acting for the caller of a request (and for the plugin whose code serves it, when there is one). */
export function storeFor(
  access: StoreAccess,
  request: FastifyRequest,
  principal: Principal,
  plugin?: { readonly id: string; readonly grant: ResourceGrant },
): ScopedStore {
  const policy = callerPolicy(principal);
  return access.scoped(
    plugin ? narrowedFor(policy, plugin.grant) : policy,
    callerContext(request, principal, plugin?.id),
  );
}

// A caller's policy narrowed to a plugin's grant, made once per pair: both serve many requests, and a new
// policy object would have its paths checked and resolved again on each.
const narrowed = new WeakMap<AccessPolicy, WeakMap<ResourceGrant, AccessPolicy>>();

function narrowedFor(policy: AccessPolicy, grant: ResourceGrant): AccessPolicy {
  let byGrant = narrowed.get(policy);
  if (!byGrant) {
    byGrant = new WeakMap();
    narrowed.set(policy, byGrant);
  }
  let result = byGrant.get(grant);
  if (!result) {
    result = narrowToGrant(policy, grant);
    byGrant.set(grant, result);
  }
  return result;
}
