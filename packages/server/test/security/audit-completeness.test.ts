import type { AuditEvent } from '@mekong/fhir';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, interactionOf, patientOf } from './support/audit.js';
import { expectOutcome, outcomeProblems } from './support/outcome.js';
import {
  type Backend,
  bearer,
  type Call,
  observation,
  patient,
  type SecurityHost,
  startSecurityHost,
} from './support/security-host.js';

// Every interaction with patient data leaves exactly its AuditEvents, over a real socket, on both databases.

const CLIENT = 'his-web';
const PATCH = { 'content-type': 'application/json-patch+json' };

/** What one HTTP interaction must leave in the audit trail: one event per store interaction, in any order. */
interface Expected {
  readonly call: Call;
  readonly status: number;
  /** `interaction/outcome` of each AuditEvent it leaves (outcome 0 success, 4 refused, 8 failed). */
  readonly events: readonly string[];
  /** Whether every event it leaves is about the patient. */
  readonly aboutPatient?: boolean;
}

describe.each<Backend>(['pglite', 'postgres'])('audit completeness on %s', (backend) => {
  let host: SecurityHost;
  let as: NonNullable<Call['as']> = 'anonymous';
  const sub = `dr-audit-${backend}`;
  let patientId = '';

  beforeAll(async () => {
    host = await startSecurityHost({
      backend,
      server: {
        auth: {
          roles: {
            // Everything on patients and observations, nothing else (not the audit trail).
            charting: {
              rules: [
                { type: 'Patient', interactions: ['read', 'vread', 'search', 'history', 'create', 'update', 'patch'] },
                {
                  type: 'Observation',
                  interactions: ['read', 'vread', 'search', 'history', 'create', 'update', 'patch', 'delete'],
                },
              ],
            },
          },
        },
      },
    });
    as = bearer(await host.jwt({ sub, azp: CLIENT, roles: ['charting'], name: 'Dr Audit' }));
    const created = await host.send({ method: 'POST', url: '/fhir/R4/Patient', body: patient('Audited') });
    patientId = created.json().id;
  }, 60_000);

  it('leaves exactly one AuditEvent per interaction (k+1 for a Bundle of k), with agent, client, address, outcome and patient', async () => {
    const started = Date.now();
    const send = (call: Call) => host.send({ as, ...call }, 'fetch');
    const P = `Patient/${patientId}`;
    const created = await send({ method: 'POST', url: '/fhir/R4/Observation', body: observation(patientId) });
    expect(created.status).toBe(201);
    const o = created.json();
    const O = `/fhir/R4/Observation/${o.id}`;

    const steps: Expected[] = [
      { call: { method: 'GET', url: O }, status: 200, events: ['read/0'], aboutPatient: true },
      { call: { method: 'GET', url: `${O}/_history/1` }, status: 200, events: ['vread/0'], aboutPatient: true },
      {
        call: { method: 'PUT', url: O, body: { ...o, status: 'amended' } },
        status: 200,
        events: ['update/0'],
        aboutPatient: true,
      },
      {
        call: {
          method: 'PATCH',
          url: O,
          body: JSON.stringify([{ op: 'replace', path: '/status', value: 'corrected' }]),
          headers: PATCH,
        },
        status: 200,
        events: ['patch/0'],
        aboutPatient: true,
      },
      {
        call: { method: 'GET', url: `/fhir/R4/Observation?subject=${P}` },
        status: 200,
        events: ['search-type/0'],
        aboutPatient: true,
      },
      {
        call: { method: 'GET', url: `${O}/_history` },
        status: 200,
        events: ['history-instance/0'],
        aboutPatient: true,
      },
      { call: { method: 'GET', url: '/fhir/R4/Observation/_history' }, status: 200, events: ['history-type/0'] },
      {
        call: { method: 'GET', url: `/fhir/R4/Patient/${patientId}` },
        status: 200,
        events: ['read/0'],
        aboutPatient: true,
      },
      {
        call: {
          method: 'POST',
          url: '/fhir/R4',
          body: {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [
              { resource: observation(patientId), request: { method: 'POST', url: 'Observation' } },
              { resource: observation(patientId), request: { method: 'POST', url: 'Observation' } },
              {
                resource: { ...o, status: 'final', meta: undefined },
                request: { method: 'PUT', url: `Observation/${o.id}` },
              },
            ],
          },
        },
        status: 200,
        events: ['create/0', 'create/0', 'update/0', 'transaction/0'],
      },
      {
        call: {
          method: 'POST',
          url: '/fhir/R4',
          body: {
            resourceType: 'Bundle',
            type: 'batch',
            entry: [
              { request: { method: 'GET', url: `Observation/${o.id}` } },
              { request: { method: 'GET', url: 'Observation/does-not-exist' } },
            ],
          },
        },
        status: 200,
        events: ['read/0', 'read/8', 'batch/0'],
      },
      // Refused: outside the caller's policy.
      { call: { method: 'GET', url: '/fhir/R4/AuditEvent' }, status: 403, events: ['search-type/4'] },
      {
        call: { method: 'POST', url: '/fhir/R4/Practitioner', body: { resourceType: 'Practitioner' } },
        status: 403,
        events: ['create/4'],
      },
      { call: { method: 'DELETE', url: `/fhir/R4/Patient/${patientId}` }, status: 403, events: ['delete/4'] },
      // Failed: allowed, but it did not work.
      { call: { method: 'GET', url: '/fhir/R4/Observation/does-not-exist' }, status: 404, events: ['read/8'] },
      {
        call: { method: 'PUT', url: O, body: { ...o, status: 'final' }, headers: { 'if-match': 'W/"1"' } },
        status: 412,
        events: ['update/8'],
      },
      {
        call: { method: 'POST', url: '/fhir/R4/Observation', body: observation(patientId, { status: 'not-a-status' }) },
        status: 400,
        events: ['create/8'],
      },
      {
        call: {
          method: 'POST',
          url: '/fhir/R4',
          body: {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [
              { resource: observation(patientId), request: { method: 'POST', url: 'Observation' } },
              { resource: observation(patientId, { status: 'nope' }), request: { method: 'POST', url: 'Observation' } },
            ],
          },
        },
        status: 400,
        events: ['transaction/8'],
      },
      { call: { method: 'DELETE', url: O }, status: 204, events: ['delete/0'], aboutPatient: true },
      { call: { method: 'GET', url: O }, status: 410, events: ['read/8'] },
    ];

    const before = await auditEvents(host, { agent: sub });
    expect(before.map((e) => `${interactionOf(e)}/${e.outcome}`)).toEqual(['create/0']);
    let known = before.length;
    for (const step of steps) {
      const answer = await send(step.call);
      const what = `${step.call.method} ${step.call.url}: ${answer.text.slice(0, 300)}`;
      if (step.status >= 400) expectOutcome(answer, step.status);
      else expect(answer.status, what).toBe(step.status);
      // The step's own events: the agent's newest since the previous step (the searches are an admin's).
      const all = await auditEvents(host, { agent: sub });
      const fresh = all.slice(0, all.length - known);
      known = all.length;
      expect(fresh.map((e) => `${interactionOf(e)}/${e.outcome}`).sort(), what).toEqual([...step.events].sort());
      if (step.aboutPatient) for (const event of fresh) expect(patientOf(event), what).toBe(P);
    }

    const events = await auditEvents(host, { agent: sub });
    const expected = before.length + steps.reduce((total, step) => total + step.events.length, 0);
    expect(events).toHaveLength(expected);
    for (const event of events) expectRecordedBy(event, sub, started);
    // The patient's own trail holds every event about them.
    const ofPatient = await auditEvents(host, { patient: P, agent: sub });
    expect(ofPatient.length).toBeGreaterThanOrEqual(steps.filter((s) => s.aboutPatient).length + 1);
    expect(ofPatient.every((event) => patientOf(event) === P)).toBe(true);
  });

  it('keeps answering and auditing when callers send NUL and control characters', async () => {
    const nul = '%00';
    const calls: Call[] = [
      { method: 'GET', url: `/fhir/R4/Patient?name=${nul}` },
      { method: 'GET', url: `/fhir/R4/Patient?_id=a${nul}b` },
      { method: 'GET', url: `/fhir/R4/Patient?identifier=${nul}|x` },
      { method: 'GET', url: `/fhir/R4/Observation?subject=Patient/${nul}` },
      { method: 'GET', url: `/fhir/R4/AuditEvent?agent=${nul}` },
      { method: 'GET', url: `/fhir/R4/Patient?${nul}=1` },
      { method: 'GET', url: `/fhir/R4/Patient/${patientId}/_history/${nul}` },
      { method: 'GET', url: `/fhir/R4/Patient/${nul}` },
      {
        method: 'POST',
        url: '/fhir/R4/Patient/_search',
        body: 'name=\u0000&\u0000=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      { method: 'POST', url: '/fhir/R4/Patient', body: patient('Nul'), headers: { 'if-none-exist': `name=${nul}` } },
      { method: 'PUT', url: `/fhir/R4/Patient?name=${nul}`, body: patient('Nul') },
      { method: 'POST', url: '/fhir/R4/Patient', body: patient('Nul\u0000') },
      {
        method: 'POST',
        url: '/fhir/R4',
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: 'Patient/a\u0000b' } },
            { request: { method: 'GET', url: 'Patient?name=\u0000' } },
            { request: { method: 'DELETE', url: 'Observation/\u0000' } },
            { resource: patient('Nul'), request: { method: 'POST', url: 'Patient', ifNoneExist: 'name=\u0000' } },
            { resource: patient('Nul'), request: { method: 'PUT', url: 'Patient/\u0000' } },
          ],
        },
      },
    ];
    for (const call of calls) {
      const answer = await host.send(call, 'fetch');
      const what = `${call.method} ${call.url}: ${answer.status} ${answer.text.slice(0, 300)}`;
      expect(answer.status, what).toBeLessThan(500);
      if (answer.status >= 400) expect(outcomeProblems(answer), what).toEqual([]);
    }
    // Claims with control characters are recorded, made printable.
    const token = await host.jwt({
      sub: `ctl\u0000${backend}`,
      name: 'Dr\u0001',
      azp: '\u0007app',
      roles: ['clinician'],
    });
    const read = await host.send({ method: 'GET', url: `/fhir/R4/Patient/${patientId}`, as: bearer(token) }, 'fetch');
    expect(read.status).toBe(200);
    const [event] = await auditEvents(host, { agent: `ctl\ufffd${backend}` });
    expect(event?.agent[0]?.who?.display).toBe('Dr\ufffd');
    expect(event?.agent.map((agent) => agent.who?.identifier?.value)).toContain('\ufffdapp');
    expect((await host.send({ method: 'GET', url: '/healthz', as: 'anonymous' }, 'fetch')).status).toBe(200);
  });

  it('lets administrators search the audit trail, and no other staff role', async () => {
    const admin = await host.send({ method: 'GET', url: `/fhir/R4/AuditEvent?agent=${sub}&_count=5` }, 'fetch');
    expect(admin.status).toBe(200);
    expect(admin.json().entry.length).toBe(5);
    for (const role of ['clinician', 'nurse', 'receptionist'] as const) {
      const refused = await host.send({ method: 'GET', url: `/fhir/R4/AuditEvent?agent=${sub}`, as: role }, 'fetch');
      expectOutcome(refused, 403);
      const [one] = admin.json().entry;
      expectOutcome(await host.send({ method: 'GET', url: `/fhir/R4/AuditEvent/${one.resource.id}`, as: role }), 403);
    }
  });
});

/** The event names the agent, the client it came through and its address, and was recorded during the test. */
function expectRecordedBy(event: AuditEvent, sub: string, since: number): void {
  expect(event.resourceType).toBe('AuditEvent');
  expect(event.type?.code).toBe('rest');
  const [requestor, ...others] = event.agent;
  expect(requestor?.requestor).toBe(true);
  expect(requestor?.who?.identifier).toEqual({ system: 'urn:mekong:user', value: sub });
  expect(requestor?.who?.display).toBe('Dr Audit');
  expect(requestor?.network?.address).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  expect(others.map((agent) => agent.who?.identifier)).toContainEqual({ system: 'urn:mekong:client', value: CLIENT });
  expect(new Date(event.recorded as string).getTime()).toBeGreaterThanOrEqual(since - 1000);
  expect(['0', '4', '8']).toContain(event.outcome);
}
