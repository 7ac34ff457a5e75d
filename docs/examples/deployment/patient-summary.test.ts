import type { AuditEvent } from '@mekong/fhir';
import { type ServerService, serverServiceRef } from '@mekong/server';
import { startTestHost } from '@mekong/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import deployment, { server as serverConfig } from './mekong.config.js';
import { wardData } from './ward-data.js';

let server: ServerService;
let assessorKeyId = '';
const keys = { admin: '', clinician: '', receptionist: '', assessor: '', auditor: '' };

// A request as a client sends it: the API key as a bearer token.
function call(key: string | undefined, method: 'GET' | 'POST', url: string, body?: unknown) {
  return server.app.inject({
    method,
    url,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body ? { 'content-type': 'application/fhir+json' } : {}),
    },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });
}

// The deployment's plugins and server configuration, with the store in memory and a free port.
beforeAll(async () => {
  const test = await startTestHost({
    plugins: deployment.plugins,
    config: { plugins: { store: {}, server: { ...serverConfig, host: '127.0.0.1', port: 0 } } },
  });
  server = test.get(serverServiceRef);
  // What `mekong token create` and POST /admin/api-keys do.
  for (const role of ['admin', 'clinician', 'receptionist', 'auditor'] as const) {
    keys[role] = (await server.apiKeys.create({ name: `test ${role}`, roles: [role] })).key;
  }
  const assessor = await server.apiKeys.create({
    name: 'BHXH assessor',
    roles: ['bhyt-assessor'],
    compartment: ['Patient/lan'],
  });
  keys.assessor = assessor.key;
  assessorKeyId = assessor.id;
  expect((await call(keys.admin, 'POST', '/fhir/R4', wardData)).statusCode).toBe(200);
});

describe('the plugin route', () => {
  it('answers a clinician with the latest vital signs', async () => {
    const response = await call(keys.clinician, 'GET', '/patient-summary/lan/vitals');
    expect(response.statusCode).toBe(200);
    expect(response.json().vitals).toEqual([
      { code: '8867-4', value: 76, unit: '/min', at: '2026-03-02T08:00:00+07:00' },
      { code: '8310-5', value: 37.9, unit: 'Cel', at: '2026-03-01T08:00:00+07:00' },
    ]);
  });

  it('refuses a bad id (400), a caller without a key (401), a role that may not search observations (403)', async () => {
    const bad = await call(keys.clinician, 'GET', '/patient-summary/lan$/vitals');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issue[0].expression).toEqual(['params.id']);
    expect((await call(undefined, 'GET', '/patient-summary/lan/vitals')).statusCode).toBe(401);
    const desk = await call(keys.receptionist, 'GET', '/patient-summary/lan/vitals');
    expect(desk.statusCode).toBe(403);
    expect(desk.json().issue[0].diagnostics).toMatch(/needs search on Observation/);
  });
});

describe('Patient/{id}/$summary', () => {
  it('is invoked by GET with query parameters or by POST with a Parameters resource', async () => {
    const byGet = await call(keys.clinician, 'GET', '/fhir/R4/Patient/lan/$summary?observations=1');
    expect(byGet.statusCode).toBe(200);
    expect(byGet.json().entry.map((e: { fullUrl: string }) => e.fullUrl)).toEqual([
      'https://his.bvhuyen.example.vn/fhir/R4/Patient/lan',
      'https://his.bvhuyen.example.vn/fhir/R4/Condition/lan-hypertension',
      'https://his.bvhuyen.example.vn/fhir/R4/Observation/lan-hr-2',
    ]);
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'observations', valueInteger: 1 }] };
    const byPost = await call(keys.clinician, 'POST', '/fhir/R4/Patient/lan/$summary', parameters);
    expect(byPost.json()).toEqual(byGet.json());
  });

  it('answers a bad parameter or a missing patient with an OperationOutcome', async () => {
    const bad = await call(keys.clinician, 'GET', '/fhir/R4/Patient/lan/$summary?observations=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issue[0]).toMatchObject({
      code: 'invalid',
      expression: ["Parameters.parameter.where(name = 'observations')"],
    });
    const missing = await call(keys.clinician, 'GET', '/fhir/R4/Patient/nobody/$summary');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().issue[0].diagnostics).toMatch(/Patient\/nobody does not exist/);
  });

  it('is refused to a role that does not list it', async () => {
    const desk = await call(keys.receptionist, 'GET', '/fhir/R4/Patient/lan/$summary');
    expect(desk.statusCode).toBe(403);
    expect(desk.json().issue[0].diagnostics).toMatch(/may not invoke \$summary: none of its roles allows it/);
  });

  it('shows the assessor the patients on the key, without hidden fields; a refusal is audited', async () => {
    const lan = await call(keys.assessor, 'GET', '/fhir/R4/Patient/lan/$summary');
    expect(lan.statusCode).toBe(200);
    expect(Object.keys(lan.json().entry[0].resource)).not.toContain('telecom');

    const minh = await call(keys.assessor, 'GET', '/fhir/R4/Patient/minh/$summary');
    expect(minh.statusCode).toBe(403);
    expect(minh.json().issue[0].diagnostics).toMatch(/outside the patients it may access/);

    // One AuditEvent per operation call and one per store interaction its code makes, refused ones too, newest
    // first, naming the caller and the plugin.
    const audit = await call(keys.auditor, 'GET', `/fhir/R4/AuditEvent?agent=api-key/${assessorKeyId}`);
    const events: AuditEvent[] = audit.json().entry.map((e: { resource: AuditEvent }) => e.resource);
    expect(events.map((e) => `${e.subtype?.[0]?.code} ${e.outcome}`)).toEqual([
      'operation 4', // $summary on Patient/minh: refused
      'read 4', // Patient/minh: refused
      'operation 0', // $summary on Patient/lan
      'search-type 0', // Observation
      'search-type 0', // Condition
      'read 0', // Patient/lan
    ]);
    const [operation, refused] = events;
    expect(operation?.subtype?.[1]?.code).toBe('$summary');
    expect(operation?.entity?.[0]?.what?.reference).toBe('Patient/minh');
    for (const event of [operation, refused]) {
      expect(event?.agent.map((a) => a.who?.display ?? a.who?.identifier?.value)).toEqual([
        'BHXH assessor',
        'patient-summary',
      ]);
    }
    // The audit trail is for auditors and administrators.
    expect((await call(keys.assessor, 'GET', '/fhir/R4/AuditEvent')).statusCode).toBe(403);
  });
});
