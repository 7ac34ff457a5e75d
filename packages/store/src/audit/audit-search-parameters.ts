/** A search parameter of the audit trail: what `AuditSearch` answers and a CapabilityStatement advertises. */
export interface AuditSearchParameter {
  readonly name: string;
  readonly type: 'reference' | 'token' | 'string' | 'date';
  /** What it matches and the values it takes, for the CapabilityStatement. */
  readonly documentation: string;
}

/**
 * The search parameters of AuditEvent, and only those: the audit trail is searched by its own columns, not by
 * the FHIR definitions' parameters, and `AuditSearch` refuses any other with a 400 that lists these. Several
 * values of one parameter (comma-separated) are ORed, several parameters ANDed.
 */
export const auditSearchParameters = [
  {
    name: 'patient',
    type: 'reference',
    documentation: 'The patient whose data the event is about: Patient/id or id',
  },
  {
    name: 'agent',
    type: 'token',
    documentation:
      "An agent's identifier, value or system|value: a token's sub, api-key/<key id>, a plugin's id, mekong-cli/<OS user>",
  },
  {
    name: 'address',
    type: 'string',
    documentation: "The agent's network address, or its start (10.2.), ignoring case",
  },
  {
    name: 'entity',
    type: 'reference',
    documentation: 'The resource acted on, or the patient it is about: Type/id',
  },
  {
    name: 'date',
    type: 'date',
    documentation: 'When the event was recorded, with the prefixes eq, ne, lt, le, gt, ge, sa, eb and ap',
  },
  {
    name: 'action',
    type: 'token',
    documentation: 'C (create), R (read), U (update), D (delete, a credential revoked) or E (execute)',
  },
  {
    name: 'subtype',
    type: 'token',
    documentation:
      'The interaction (read, search-type, operation...) or the DICOM code of a security event: 110122 failed logins, 110132 restricted functions, 110137 credentials issued or revoked',
  },
  {
    name: 'outcome',
    type: 'token',
    documentation: '0 (success), 4 (refused) or 8 (failed)',
  },
] as const satisfies readonly AuditSearchParameter[];

/** The name of an AuditEvent search parameter. */
export type AuditSearchParameterName = (typeof auditSearchParameters)[number]['name'];

/** The result parameters of an AuditEvent search: page size, order, and the cursor of `next` links. */
export const auditResultParameters = ['_count', '_sort', '_cursor'] as const;
