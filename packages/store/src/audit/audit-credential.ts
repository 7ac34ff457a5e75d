import type { AuditEvent } from '@mekong/fhir';
import type { Agent } from '../access/access-context.js';
import { agentIdentifier, auditText, SYSTEM_OBJECT } from './audit-elements.js';

/**
 * A credential a gateway issued or revoked (an API key), as its AuditEvent names it: whom it lets in and with
 * which rights. Never its secret: neither the key nor its hash has a place here.
 */
export interface AuditedCredential {
  /** The agent its requests are audited under (`api-key/<id>`); absent when none was created (a failed issue). */
  readonly agent?: Agent;
  /** The name it was given: who or what uses it. */
  readonly name?: string;
  readonly roles?: readonly string[];
  /** `Patient/id` references: the only patients whose data it reaches. */
  readonly compartment?: readonly string[];
  readonly expiresAt?: Date;
  readonly revokedAt?: Date;
  /** Requests per rate-limit window it may make, when it was given a limit of its own. */
  readonly rateLimit?: number;
}

type AuditEntity = NonNullable<AuditEvent['entity']>[number];

// A person or system with a security role, as DICOM and FHIR's object-role name it.
const SECURITY_USER = {
  system: 'http://terminology.hl7.org/CodeSystem/object-role',
  code: '11',
  display: 'Security User Entity',
};

/**
 * The credential as an AuditEvent entity: a system object in the role of a security user, identified as its
 * requests' agent is (its issue, its uses and its revocation name it alike), its rights as details.
 */
export function credentialEntity(credential: AuditedCredential): AuditEntity {
  const { agent, name, roles, compartment, expiresAt, revokedAt, rateLimit } = credential;
  const detail = [
    ...(roles && roles.length > 0 ? [{ type: 'roles', valueString: auditText(roles.join(', ')) }] : []),
    ...(compartment && compartment.length > 0
      ? [{ type: 'compartment', valueString: auditText(compartment.join(', ')) }]
      : []),
    ...(expiresAt ? [{ type: 'expires', valueString: expiresAt.toISOString() }] : []),
    ...(revokedAt ? [{ type: 'revoked', valueString: revokedAt.toISOString() }] : []),
    ...(rateLimit !== undefined ? [{ type: 'rate-limit', valueString: String(rateLimit) }] : []),
  ];
  return {
    ...(agent ? { what: { identifier: agentIdentifier(agent) } } : {}),
    type: SYSTEM_OBJECT,
    role: SECURITY_USER,
    ...(name !== undefined ? { name: auditText(name) } : {}),
    ...(detail.length > 0 ? { detail } : {}),
  };
}
