import type { Agent, AuditedCredential, GatewayAuditEntry } from '@mekong/store';
import type { ApiKeyInfo } from './api-keys.js';

const PATIENT = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;

/** The agent an API key's requests are audited under: `api-key/<id>`, a system, shown by the key's name. */
export function apiKeyAgent(key: Pick<ApiKeyInfo, 'id'> & Partial<Pick<ApiKeyInfo, 'name'>>): Agent {
  return { kind: 'system', id: `api-key/${key.id}`, ...(key.name !== undefined ? { display: key.name } : {}) };
}

/**
 * An API key as the audit trail records its issue or revocation: the agent its requests are audited under, its
 * name, roles, compartment, expiry, revocation and own rate limit. Never the key, nor its hash: neither is in an `ApiKeyInfo`.
 */
export function auditedApiKey(key: ApiKeyInfo): AuditedCredential {
  return {
    agent: apiKeyAgent(key),
    name: key.name,
    roles: key.roles,
    ...(key.compartment ? { compartment: key.compartment } : {}),
    ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
    ...(key.revokedAt ? { revokedAt: key.revokedAt } : {}),
    ...(key.rateLimit !== undefined ? { rateLimit: key.rateLimit } : {}),
  };
}

/**
 * What the audit entry of an API key issued or revoked says of the key (or of what was asked for, when it
 * failed): the activity, the key as an entity, and its patient when it reaches one patient only, so the
 * grant is in that patient's trail too.
 */
export function apiKeyChange(
  activity: 'credential-issued' | 'credential-revoked',
  credential: AuditedCredential | undefined,
): Pick<GatewayAuditEntry, 'interaction' | 'credential' | 'patient'> {
  const only = credential?.compartment?.length === 1 ? credential.compartment[0] : undefined;
  // What was asked for may be malformed (that may be why it failed): only a patient reference names one.
  const patient = only !== undefined && PATIENT.test(only) ? only : undefined;
  return { interaction: activity, ...(credential ? { credential } : {}), ...(patient ? { patient } : {}) };
}
