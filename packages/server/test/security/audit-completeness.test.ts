import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent } from '@mekong/fhir';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, interactionOf, patientOf } from './support/audit.js';
import { expectOutcome, outcomeProblems } from './support/outcome.js';
import { chartPlugin, probePlugin } from './support/probe-plugins.js';
import {
  type Backend,
  bearer,
  type Call,
  observation,
  patient,
  type SecurityHost,
  startSecurityHost,
} from './support/security-host.js';

// Every interaction with patient data leaves exactly its AuditEvents, over a real socket, on both databases;
// so does every request the server refuses itself and every FHIR operation call.

const CLIENT = 'his-web';
const PATCH = { 'content-type': 'application/json-patch+json' };
/** Requests (and failed authentications) per client or address per minute: far above what the tests send. */
const RATE_MAX = 300;
const DCM_LOGIN = '110122';
const DCM_RESTRICTED = '110132';

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
      plugins: [probePlugin, chartPlugin],
      server: {
        // Behind a proxy: the address is X-Forwarded-For's (for the control characters test).
        trustProxy: true,
        limits: { rateLimit: { max: RATE_MAX, timeWindowMs: 60_000 } },
        auth: {
          roles: {
            // Everything on patients and observations, nothing else (not the audit trail); two operations.
            charting: {
              operations: ['$chart', '$chart-admin'],
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

  it('leaves exactly one AuditEvent per failed authentication, server refusal and operation call, never a credential', async () => {
    const from = `198.51.100.${backend === 'pglite' ? 7 : 8}`;
    const P = `Patient/${patientId}`;
    const key = host.keys.clinician;
    const revoked = await host.server.apiKeys.create({ name: 'audit revoked', roles: ['clinician'] });
    await host.server.apiKeys.revoke(revoked.id);
    const expired = await host.server.apiKeys.create({
      name: 'audit expired',
      roles: ['clinician'],
      expiresAt: new Date(Date.now() + 200),
    });
    await sleep(250); // keys cannot be issued already expired
    const forged = await host.forger.sign({ sub: sub, roles: ['charting'] });
    const stale = await host.jwt({ sub: sub, roles: ['charting'], exp: Math.floor(Date.now() / 1000) - 600 });
    const guessed = `mk_${'G'.repeat(43)}`;
    /** Every credential sent: none may appear in the audit trail, in whole or in part. */
    const credentials = [key, revoked.key, expired.key, forged, stale, guessed];

    // `interaction/outcome` of the events each call leaves: 110122 failed login, 110132 restricted function.
    const failedLogin = `${DCM_LOGIN}/4`;
    const steps: Expected[] = [
      // Failed authentications: the unknown agent and the address, one event each.
      { call: { method: 'GET', url: `/fhir/R4/${P}`, as: 'anonymous' }, status: 401, events: [failedLogin] },
      {
        call: { method: 'GET', url: '/fhir/R4/Patient', as: 'raw:Basic dXNlcjpwYXNz' },
        status: 401,
        events: [failedLogin],
      },
      // A key sent without "Bearer": neither the 401 nor the audit repeats any of it.
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: `raw:${key}` }, status: 401, events: [failedLogin] },
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: bearer(guessed) }, status: 401, events: [failedLogin] },
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: bearer('short') }, status: 401, events: [failedLogin] },
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: bearer(revoked.key) }, status: 401, events: [failedLogin] },
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: bearer(expired.key) }, status: 401, events: [failedLogin] },
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: bearer(forged) }, status: 401, events: [failedLogin] },
      { call: { method: 'GET', url: '/fhir/R4/Patient', as: bearer(stale) }, status: 401, events: [failedLogin] },
      { call: { method: 'POST', url: '/fhir/R4/$chart', as: 'anonymous' }, status: 401, events: [failedLogin] },
      // Operation calls: one event of their own, beside the store's for what their code reads.
      {
        call: { method: 'GET', url: `/fhir/R4/${P}/$chart` },
        status: 200,
        events: ['operation/0', 'read/0'],
        aboutPatient: true,
      },
      {
        call: {
          method: 'POST',
          url: `/fhir/R4/${P}/$chart`,
          body: { resourceType: 'Parameters', parameter: [{ name: 'depth', valueInteger: 2 }] },
        },
        status: 200,
        events: ['operation/0', 'read/0'],
        aboutPatient: true,
      },
      {
        call: { method: 'GET', url: '/fhir/R4/Patient/$chart' },
        status: 200,
        events: ['operation/0', 'search-type/0'],
      },
      { call: { method: 'GET', url: '/fhir/R4/$chart' }, status: 200, events: ['operation/0'] },
      {
        call: { method: 'GET', url: '/fhir/R4/Patient/nobody/$chart' },
        status: 404,
        events: ['operation/8', 'read/8'],
      },
      { call: { method: 'GET', url: '/fhir/R4/$chart?depth=9' }, status: 400, events: ['operation/8'] },
      { call: { method: 'GET', url: '/fhir/R4/Patient/a$b/$chart' }, status: 400, events: ['operation/8'] },
      { call: { method: 'GET', url: '/fhir/R4/$purge' }, status: 405, events: ['operation/8'] },
      // Operation refusals: a role without the operation, an unmet `requires`.
      { call: { method: 'POST', url: '/fhir/R4/$purge', body: {} }, status: 403, events: ['operation/4'] },
      { call: { method: 'GET', url: '/fhir/R4/$chart-admin' }, status: 403, events: ['operation/4'] },
      // Restricted functions: administrators' endpoints and a plugin route for administrators only.
      { call: { method: 'GET', url: '/admin/plugins' }, status: 403, events: [`${DCM_RESTRICTED}/4`] },
      { call: { method: 'GET', url: '/admin/api-keys' }, status: 403, events: [`${DCM_RESTRICTED}/4`] },
      {
        call: { method: 'POST', url: '/admin/api-keys', body: { name: 'mine', roles: ['admin'] } },
        status: 403,
        events: [`${DCM_RESTRICTED}/4`],
      },
      {
        call: { method: 'DELETE', url: `/admin/api-keys/${revoked.id}` },
        status: 403,
        events: [`${DCM_RESTRICTED}/4`],
      },
      { call: { method: 'GET', url: '/sec-probe/admin' }, status: 403, events: [`${DCM_RESTRICTED}/4`] },
      // Allowed without a store call or a refusal: nothing to record.
      { call: { method: 'GET', url: '/sec-probe/ping' }, status: 200, events: [] },
    ];

    await sleep(5);
    const started = new Date().toISOString();
    // The trail since the test started, newest first, but for the administrator's own searches of it.
    const trail = async () => (await auditEvents(host, { date: `ge${started}` })).filter((e) => !byAdmin(e));
    let known = 0;
    for (const step of steps) {
      const call = { ...step.call, as: step.call.as ?? as, remoteAddress: from };
      const answer = await host.send(call);
      const what = `${call.method} ${call.url} as ${String(step.call.as ?? sub)}: ${answer.text.slice(0, 300)}`;
      if (step.status >= 400) expectOutcome(answer, step.status);
      else expect(answer.status, what).toBe(step.status);
      const all = await trail();
      const fresh = all.slice(0, all.length - known);
      known = all.length;
      expect(fresh.map((e) => `${interactionOf(e)}/${e.outcome}`).sort(), what).toEqual([...step.events].sort());
      for (const event of fresh) {
        expect(event.agent[0]?.network?.address, what).toBe(from);
        if (step.status === 401) expectUnknownAgent(event, what);
        else expect(event.agent[0]?.who?.identifier?.value, what).toBe(sub);
        if (step.aboutPatient) expect(patientOf(event), what).toBe(P);
      }
    }
    const events = await trail();
    expect(events).toHaveLength(steps.reduce((total, step) => total + step.events.length, 0));

    // What the new events say.
    const logins = events.filter((e) => interactionOf(e) === DCM_LOGIN);
    expect(logins.every((e) => e.type?.code === '110114' && e.action === 'E')).toBe(true);
    const why = logins.map((e) => e.outcomeDesc).reverse();
    expect(why[0]).toBe('authentication failed (missing): no credential: the request has no Authorization header');
    expect(why[2]).toMatch(/^authentication failed \(header\): malformed Authorization header/);
    expect(why[3]).toBe('authentication failed (unknown-key): unknown API key');
    expect(why[5]).toBe(`authentication failed (revoked): revoked API key (key id ${revoked.id})`);
    expect(why[6]).toBe(
      `authentication failed (expired): expired credential (API key or token) (key id ${expired.id})`,
    );
    expect(why[7]).toMatch(/^authentication failed \(bad-signature\)/);
    expect(why[8]).toMatch(/^authentication failed \(expired\)/);
    const operations = events.filter((e) => interactionOf(e) === 'operation');
    for (const event of operations) {
      expect(event.subtype?.[1]).toMatchObject({ system: 'urn:mekong:operation' });
      expect(event.agent.map((agent) => agent.who?.identifier?.value)).toEqual([sub, 'sec-chart', CLIENT]);
    }
    const [purge] = operations.filter((e) => e.subtype?.[1]?.code === '$purge' && e.outcome === '4');
    expect(purge?.outcomeDesc).toMatch(/^403: user 'dr-audit-.*' may not invoke \$purge: none of its roles allows it/);
    const instance = operations.find((e) => e.outcome === '0' && e.entity?.[0]?.what?.reference === P);
    expect(instance?.subtype?.[1]?.code).toBe('$chart');
    const restricted = events.filter((e) => interactionOf(e) === DCM_RESTRICTED).reverse();
    expect(restricted.map((e) => e.entity?.[0]?.name)).toEqual([
      'GET /admin/plugins',
      'GET /admin/api-keys',
      'POST /admin/api-keys',
      'DELETE /admin/api-keys/:id',
      'GET /sec-probe/admin',
    ]);
    expect(restricted.map((e) => e.agent.map((agent) => agent.who?.identifier?.value))).toEqual([
      [sub, CLIENT],
      [sub, CLIENT],
      [sub, CLIENT],
      [sub, CLIENT],
      [sub, 'sec-probe', CLIENT],
    ]);
    expect(restricted[0]?.outcomeDesc).toBe('the boot report is for administrators only');

    // Found by the searches auditors use: address, outcome, DICOM subtype, date.
    const failed = await auditEvents(host, { address: from, subtype: DCM_LOGIN, outcome: '4', date: `ge${started}` });
    expect(failed.map((e) => e.id).sort()).toEqual(logins.map((e) => e.id).sort());
    const refused = await auditEvents(host, { agent: sub, subtype: DCM_RESTRICTED, date: `ge${started}` });
    expect(refused).toHaveLength(5);

    // No credential in any record, whole or in part: any 10 characters of a key's random part or of a token's
    // signature. (A token's payload encodes claims, such as its sub, that records name in clear.)
    const text = JSON.stringify(await auditEvents(host, { date: `ge${started}` }));
    for (const credential of credentials) {
      expect(text).not.toContain(credential);
      const secret = credential.startsWith('mk_') ? credential.slice(3) : (credential.split('.')[2] as string);
      for (let i = 0; i + 10 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 10));
    }
  });

  it('leaves exactly one AuditEvent per administrative action, succeeded or failed, with the administrator and the address, never a key', async () => {
    const root = `root-audit-${backend}`;
    const admin = bearer(await host.jwt({ sub: root, roles: ['admin'], name: 'Root Audit' }));
    const from = `198.51.100.${backend === 'pglite' ? 27 : 28}`;
    const DCM_CREDENTIAL = '110137';
    const pasted = `mk_${'P'.repeat(43)}`;
    await sleep(5);
    const started = new Date().toISOString();
    const mine = async () => auditEvents(host, { agent: root, date: `ge${started}` });
    let known = 0;
    /** Sends one call as the administrator; it must leave exactly `events` (`subtype/outcome`). */
    const step = async (call: Call, status: number, events: string[]) => {
      const answer = await host.send({ ...call, as: admin, remoteAddress: from });
      const what = `${call.method} ${call.url}: ${answer.text.slice(0, 300)}`;
      if (status >= 400) expectOutcome(answer, status);
      else expect(answer.status, what).toBe(status);
      const all = await mine();
      const fresh = all.slice(0, all.length - known);
      known = all.length;
      expect(
        fresh.map((e) => `${interactionOf(e)}/${e.outcome}`),
        what,
      ).toEqual(events);
      for (const event of fresh) {
        expect(event.agent[0]?.who?.identifier, what).toEqual({ system: 'urn:mekong:user', value: root });
        expect(event.agent[0]?.network?.address, what).toBe(from);
        expect(event.type?.code, what).toBe('110113');
      }
      return answer;
    };

    const issued = await step(
      { method: 'POST', url: '/admin/api-keys', body: { name: 'lab system', roles: ['clinician'] } },
      201,
      [`${DCM_CREDENTIAL}/0`],
    );
    const { id, key } = issued.json();
    await step({ method: 'GET', url: '/admin/api-keys' }, 200, [`${DCM_RESTRICTED}/0`]);
    await step({ method: 'GET', url: '/admin/plugins' }, 200, [`${DCM_RESTRICTED}/0`]);
    await step({ method: 'DELETE', url: `/admin/api-keys/${id}` }, 204, [`${DCM_CREDENTIAL}/0`]);
    await step({ method: 'POST', url: '/admin/api-keys', body: { name: 'x', roles: ['nobody'] } }, 400, [
      `${DCM_CREDENTIAL}/8`,
    ]);
    await step({ method: 'DELETE', url: `/admin/api-keys/${pasted}` }, 400, [`${DCM_CREDENTIAL}/8`]);

    const events = await mine();
    expect(events).toHaveLength(6);
    // The key issued and revoked is the entity of both, as the agent its requests are audited under.
    const credentials = await auditEvents(host, { agent: root, subtype: DCM_CREDENTIAL, outcome: '0' });
    expect(credentials.map((e) => `${e.action} ${e.entity?.[0]?.what?.identifier?.value}`)).toEqual([
      `D api-key/${id}`,
      `C api-key/${id}`,
    ]);
    const text = JSON.stringify(await auditEvents(host, { date: `ge${started}` }));
    for (const secret of [key as string, pasted]) {
      expect(text).not.toContain(secret);
      for (let i = 3; i + 10 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 10));
    }
  });

  it('records the first failed authentication over the limit, then no more in its window', async () => {
    const from = `198.51.100.${backend === 'pglite' ? 17 : 18}`;
    await sleep(5);
    const started = new Date().toISOString();
    const statuses: number[] = [];
    for (let i = 0; i < RATE_MAX + 3; i++) {
      const answer = await host.send({
        method: 'GET',
        url: '/fhir/R4/Patient',
        as: bearer(`mk_flood_${String(i).padStart(20, '0')}`),
        remoteAddress: from,
      });
      statuses.push(answer.status);
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(RATE_MAX);
    expect(statuses.slice(RATE_MAX)).toEqual([429, 429, 429]);
    const events = await auditEvents(host, { address: from, date: `ge${started}` });
    // Each 401 and the first 429: at most max + 1 records per address and window, however long the flood.
    expect(events).toHaveLength(RATE_MAX + 1);
    expect(events.every((e) => interactionOf(e) === DCM_LOGIN && e.outcome === '4')).toBe(true);
    expect(events[0]?.outcomeDesc).toMatch(
      /^authentication failed \(unknown-key\): unknown API key; too many failed authentications from this address: at most 300 per 60 s: refused with 429 until \d{4}-.*Z, and further failures from this address are not recorded until then$/,
    );
    // Valid credentials from the same address still work, and are audited as themselves.
    expect(
      (await host.send({ method: 'GET', url: `/fhir/R4/Patient/${patientId}`, as: 'clinician', remoteAddress: from }))
        .status,
    ).toBe(200);
  });

  it('records failed authentications whose headers hold control characters, made printable', async () => {
    const started = new Date(Date.now() - 1).toISOString();
    const answer = await host.send({
      method: 'GET',
      url: '/fhir/R4/Patient',
      as: 'raw:Basic \u0007\u0001x',
      headers: { 'x-forwarded-for': '203.0.113.5\u0001evil' },
    });
    expectOutcome(answer, 401);
    const [event] = await auditEvents(host, { address: '203.0.113.5', date: `ge${started}` });
    expect(event?.agent[0]?.network?.address).toBe('203.0.113.5\ufffdevil');
    expect(event?.outcomeDesc).toMatch(/^authentication failed \(header\)/);
    expect((await host.send({ method: 'GET', url: '/healthz', as: 'anonymous' })).status).toBe(200);
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

/** Whether an administrator's key made it (the tests' searches of the trail). */
function byAdmin(event: AuditEvent): boolean {
  return event.agent[0]?.who?.display === 'security admin';
}

/** A failed login names no one: only the address it came from. */
function expectUnknownAgent(event: AuditEvent, what: string): void {
  expect(event.agent, what).toHaveLength(1);
  expect(event.agent[0]?.who, what).toBeUndefined();
  expect(event.agent[0]?.type?.text, what).toBe('unknown');
  expect(event.type?.code, what).toBe('110114');
}

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
