import { beforeAll, describe, expect, it } from 'vitest';
import { patient, type ServerHost, startServerHost } from './support/server-host.js';

let host: ServerHost;
beforeAll(async () => {
  host = await startServerHost();
}, 60_000);

describe('authentication', () => {
  it('answers a request without credentials with 401, an OperationOutcome and WWW-Authenticate', async () => {
    const response = await host.inject({ method: 'GET', url: '/fhir/R4/Patient', as: 'anonymous' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="mekong"/);
    const outcome = response.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).toBe('login');
    expect(outcome.issue[0].diagnostics).toMatch(/missing Authorization header/);
  });

  it('refuses an unknown API key and a malformed header with 401, never echoing the credential', async () => {
    const unknown = await host.inject({ method: 'GET', url: '/fhir/R4/Patient', as: 'raw:Bearer mk_notarealkey' });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).not.toContain('mk_notarealkey');
    const basic = await host.inject({ method: 'GET', url: '/fhir/R4/Patient', as: 'raw:Basic dXNlcjpwYXNz' });
    expect(basic.statusCode).toBe(401);
    expect(basic.headers['www-authenticate']).toMatch(/invalid_request/);
  });

  it('authenticates before routing: an unknown path is 401 without credentials and 404 with them', async () => {
    expect((await host.inject({ method: 'GET', url: '/no/such/path', as: 'anonymous' })).statusCode).toBe(401);
    const found = await host.inject({ method: 'GET', url: '/no/such/path' });
    expect(found.statusCode).toBe(404);
    expect(found.json().issue[0].diagnostics).toMatch(/there is no GET \/no\/such\/path/);
  });

  it('serves the CapabilityStatement, health and the API reference without credentials', async () => {
    for (const url of ['/fhir/R4/metadata', '/healthz', '/readyz', '/openapi.json', '/docs']) {
      const response = await host.inject({ method: 'GET', url, as: 'anonymous' });
      expect(response.statusCode, url).toBeLessThan(400);
    }
  });
});

describe('access policies', () => {
  it('refuses what the caller’s roles do not allow with 403', async () => {
    const observation = await host.inject({ method: 'GET', url: '/fhir/R4/Observation', as: 'receptionist' });
    expect(observation.statusCode).toBe(403);
    expect(observation.json().issue[0].code).toBe('forbidden');
    const audit = await host.inject({ method: 'GET', url: '/fhir/R4/AuditEvent', as: 'clinician' });
    expect(audit.statusCode).toBe(403);
  });

  it('keeps meta.security read-only for non-administrators', async () => {
    const label = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
    const created = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      as: 'receptionist',
      body: patient('Label', { meta: { security: [label] } }),
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().meta.security).toBeUndefined();
    const byAdmin = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: patient('Label', { meta: { security: [label] } }),
    });
    const labelled = byAdmin.json();
    expect(labelled.meta.security).toEqual([label]);
    const relabel = await host.inject({
      method: 'PUT',
      url: `/fhir/R4/Patient/${labelled.id}`,
      as: 'receptionist',
      body: { ...labelled, meta: { security: [{ ...label, code: 'N' }] }, gender: 'male' },
    });
    expect(relabel.statusCode).toBe(200);
    expect(relabel.json().meta.security).toEqual([label]);
    expect(relabel.json().gender).toBe('male');
  });

  it('has the store audit each interaction under the caller, with its address', async () => {
    const { id } = (
      await host.inject({ method: 'POST', url: '/fhir/R4/Patient', as: 'receptionist', body: patient() })
    ).json();
    await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}`, as: 'receptionist' });
    const events = await host.inject({ method: 'GET', url: `/fhir/R4/AuditEvent?entity=Patient/${id}`, as: 'auditor' });
    expect(events.statusCode).toBe(200);
    const entries = events
      .json()
      .entry.map((e: { resource: { subtype: { code: string }[]; agent: unknown[] } }) => e.resource);
    expect(entries.map((e: { subtype: { code: string }[] }) => e.subtype[0]?.code).sort()).toEqual(['create', 'read']);
    for (const event of entries as {
      agent: { who: { identifier: { value: string } }; network?: { address: string } }[];
    }[]) {
      expect(event.agent[0]?.who.identifier.value).toMatch(/^api-key\//);
      expect(event.agent[0]?.network?.address).toBe('127.0.0.1');
    }
  });
});

describe('errors', () => {
  it('answers methods a FHIR path does not serve with 405 and Allow', async () => {
    const response = await host.inject({ method: 'DELETE', url: '/fhir/R4/Patient' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, POST, PUT');
    expect(response.json().issue[0].code).toBe('not-supported');
    expect((await host.inject({ method: 'POST', url: '/fhir/R4/Patient/123' })).statusCode).toBe(405);
  });

  it('answers an operation that is not installed with 404', async () => {
    const response = await host.inject({ method: 'GET', url: '/fhir/R4/Patient/$nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().issue[0].diagnostics).toMatch(/\$nothing-here is not available on Patient/);
  });

  it('answers malformed JSON and empty bodies with 400 OperationOutcomes', async () => {
    const malformed = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: '{"resourceType": "Patient", ',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().issue[0].diagnostics).toMatch(/not valid JSON/);
    const empty = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: '',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(empty.statusCode).toBe(400);
    const none = await host.inject({ method: 'POST', url: '/fhir/R4/Patient' });
    expect(none.statusCode).toBe(400);
  });

  it('refuses JSON nested deeper than the limit before parsing it', async () => {
    const depth = 5000;
    const deep = `{"resourceType":"Patient","extension":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const response = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: deep,
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().issue[0].diagnostics).toMatch(/nested more than 100 levels/);
  });
});

describe('health and defaults', () => {
  it('is ready when every plugin started and the database answers', async () => {
    const ready = await host.inject({ method: 'GET', url: '/readyz', as: 'anonymous' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', reasons: [] });
  });

  it('allows no cross-origin browser calls by default', async () => {
    const response = await host.inject({
      method: 'GET',
      url: '/fhir/R4/metadata',
      headers: { origin: 'https://app.example.vn' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CapabilityStatement', () => {
  it('lists the resource types, interactions and the search parameters the store answers', async () => {
    const response = await host.inject({ method: 'GET', url: '/fhir/R4/metadata', as: 'anonymous' });
    expect(response.statusCode).toBe(200);
    const statement = response.json();
    expect(statement.resourceType).toBe('CapabilityStatement');
    expect(statement.fhirVersion).toBe('4.0.1');
    expect(statement.implementation.url).toBe(`${host.server.url}/fhir/R4`);
    const rest = statement.rest[0];
    expect(rest.interaction.map((i: { code: string }) => i.code)).toEqual(['transaction', 'batch']);
    const patientEntry = rest.resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patientEntry.interaction.map((i: { code: string }) => i.code)).toContain('patch');
    expect(patientEntry.conditionalCreate).toBe(true);
    const names = patientEntry.searchParam.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['_id', '_lastUpdated', 'family', 'identifier', 'birthdate']));
    const audit = rest.resource.find((r: { type: string }) => r.type === 'AuditEvent');
    expect(audit.interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
  });
});
