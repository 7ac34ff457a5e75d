import type { AuditEvent } from '@mekong/fhir';
import type { Agent } from '../access/access-context.js';

type Coding = NonNullable<AuditEvent['subtype']>[number];
type Identifier = NonNullable<NonNullable<AuditEvent['agent'][number]['who']>['identifier']>;

/**
 * Text from callers (token claims, error messages quoting a request) as a valid FHIR string: control
 * characters other than tab, CR and LF, and unpaired UTF-16 surrogates (which jsonb refuses), become U+FFFD,
 * and empty text a visible placeholder. Otherwise one bad claim would make every audit record invalid, and
 * every request it makes fail unaudited.
 */
export function auditText(value: string): string {
  const clean = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters FHIR strings may not hold
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\ufffd');
  return clean === '' ? '(empty)' : clean;
}

/**
 * How an AuditEvent identifies an agent (`urn:mekong:<kind>` and its id), as the requestor of the events it
 * causes and as the entity of the events that change its rights: one identifier finds both.
 */
export function agentIdentifier(agent: Agent): Identifier {
  return { system: `urn:mekong:${agent.kind}`, value: auditText(agent.id) };
}

/** An entity that is neither a resource nor a person: a restricted function, a credential. */
export const SYSTEM_OBJECT: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  code: '2',
  display: 'System Object',
};
