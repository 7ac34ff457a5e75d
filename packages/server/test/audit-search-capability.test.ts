import { auditSearchParameters, supportedSearchParameters } from '@mekong/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ServerHost, startServerHost } from './support/server-host.js';

// What /metadata says AuditEvent searches take must be what they take: every parameter it lists is answered,
// every other one is a 400 that names it and the supported ones. The two lists cannot drift apart unnoticed.

interface SearchParam {
  readonly name: string;
  readonly type: string;
  readonly documentation?: string;
}

/** A valid value of each parameter the server may list; a parameter listed without one fails the test. */
const EXAMPLES: Record<string, string> = {
  patient: 'Patient/p1',
  agent: 'urn:mekong:system|api-key/00000000-0000-4000-8000-000000000000',
  address: '10.2.',
  entity: 'Observation/o1',
  date: 'ge2020-01-01',
  action: 'E',
  subtype: '110137',
  outcome: 'http://hl7.org/fhir/audit-event-outcome|4',
};

/** Parameters every FHIR server may be asked for, beside AuditEvent's own definitions. */
const COMMON = ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_text', '_content', '_list', '_has', '_type'];

describe.each(['pglite', 'postgres'] as const)('AuditEvent search parameters on %s', (backend) => {
  let host: ServerHost;
  let listed: SearchParam[] = [];

  beforeAll(async () => {
    host = await startServerHost({ backend });
    const metadata = await host.inject({ method: 'GET', url: '/fhir/R4/metadata', as: 'anonymous' });
    expect(metadata.statusCode).toBe(200);
    const entry = metadata.json().rest[0].resource.find((r: { type: string }) => r.type === 'AuditEvent');
    expect(entry.interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
    listed = entry.searchParam;
  }, 60_000);

  it('lists exactly the parameters the audit search answers, with their types and what they take', () => {
    expect(listed.map(({ name, type }) => `${name}:${type}`)).toEqual([
      'patient:reference',
      'agent:token',
      'address:string',
      'entity:reference',
      'date:date',
      'action:token',
      'subtype:token',
      'outcome:token',
    ]);
    expect(listed).toEqual(
      auditSearchParameters.map(({ name, type, documentation }) => ({ name, type, documentation })),
    );
    for (const parameter of listed) expect(parameter.documentation, parameter.name).toMatch(/\w{3,}/);
  });

  it('answers every listed parameter', async () => {
    for (const { name } of listed) {
      const example = EXAMPLES[name];
      expect(example, `no example value for the listed parameter '${name}': add one to EXAMPLES`).toBeDefined();
      const url = `/fhir/R4/AuditEvent?${new URLSearchParams({ [name]: example as string })}`;
      const answer = await host.inject({ method: 'GET', url, as: 'auditor' });
      expect(answer.statusCode, `${url}: ${answer.body.slice(0, 300)}`).toBe(200);
      expect(answer.json().resourceType).toBe('Bundle');
    }
  });

  it('refuses every other parameter with a 400 OperationOutcome naming it and the supported ones', async () => {
    const names = listed.map((parameter) => parameter.name);
    const defined = supportedSearchParameters('AuditEvent').map((parameter) => parameter.code);
    const others = [...new Set([...defined, ...COMMON])].filter((name) => !names.includes(name));
    // The FHIR definitions name parameters this server does not answer: they must not be listed.
    expect(others).toEqual(expect.arrayContaining(['agent-name', 'entity-name', 'type', 'source', '_id']));
    for (const name of others) {
      const url = `/fhir/R4/AuditEvent?${new URLSearchParams({ [name]: 'x' })}`;
      const answer = await host.inject({ method: 'GET', url, as: 'auditor' });
      expect(answer.statusCode, url).toBe(400);
      const outcome = answer.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].code).toBe('invalid');
      const diagnostics: string = outcome.issue[0].diagnostics;
      expect(diagnostics, url).toContain(`search parameter '${name}': is not a search parameter of the audit trail`);
      expect(diagnostics, url).toContain(`AuditEvent searches support ${names.join(', ')}, _count, _sort, _cursor`);
    }
  });
});
