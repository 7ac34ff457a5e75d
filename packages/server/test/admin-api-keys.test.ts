import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AuditEvent, validateResource } from '@mekong/fhir';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ServerHost, startServerHost } from './support/server-host.js';

let host: ServerHost;
beforeAll(async () => {
  host = await startServerHost({ server: { bootstrapApiKey: 'bootstrap-Key-for-the-admin-api-key-tests-0123' } });
});

describe('/admin/api-keys', () => {
  it('administrators issue a key (shown once), list keys without them, and revoke one: it is refused at once', async () => {
    const issued = await host.inject({
      method: 'POST',
      url: '/admin/api-keys',
      body: { name: 'reception desk 2', roles: ['receptionist'], expiresAt: '2099-01-01T00:00:00Z' },
      headers: { 'content-type': 'application/json' },
    });
    expect(issued.statusCode).toBe(201);
    const { id, key } = issued.json();
    expect(issued.json()).toMatchObject({ name: 'reception desk 2', roles: ['receptionist'] });
    expect(key).toMatch(/^mk_/);

    const works = await host.inject({ method: 'GET', url: '/fhir/R4/Patient', as: `raw:Bearer ${key}` });
    expect(works.statusCode).toBe(200);

    const listed = await host.inject({ method: 'GET', url: '/admin/api-keys' });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(key);
    expect(listed.json().keys).toContainEqual(
      expect.objectContaining({ id, name: 'reception desk 2', expiresAt: '2099-01-01T00:00:00.000Z' }),
    );

    expect((await host.inject({ method: 'DELETE', url: `/admin/api-keys/${id}` })).statusCode).toBe(204);
    const refused = await host.inject({ method: 'GET', url: '/fhir/R4/Patient', as: `raw:Bearer ${key}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().issue[0].diagnostics).toContain('was revoked');
  });

  it('the bootstrap key from the configuration is an administrator key, issued on the record by the server', async () => {
    const listed = await host.inject({
      method: 'GET',
      url: '/admin/api-keys',
      as: 'raw:Bearer bootstrap-Key-for-the-admin-api-key-tests-0123',
    });
    expect(listed.statusCode).toBe(200);
    expect(host.server.bootstrapKey).toBeUndefined();
    const bootstrap = listed.json().keys.find((k: { name: string }) => k.name === 'bootstrap administrator');
    const found = await host.inject({
      method: 'GET',
      url: '/fhir/R4/AuditEvent?agent=urn:mekong:plugin|server&subtype=110137',
    });
    const [event, ...others] = found.json().entry.map((entry: { resource: AuditEvent }) => entry.resource);
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      action: 'C',
      outcome: '0',
      outcomeDesc: 'the first administrator key, the one given in MEKONG_BOOTSTRAP_API_KEY',
      agent: [{ type: { text: 'plugin' }, who: { identifier: { system: 'urn:mekong:plugin', value: 'server' } } }],
    });
    expect(event.entity[0]).toMatchObject({
      what: { identifier: { value: `api-key/${bootstrap.id}` } },
      name: 'bootstrap administrator',
      detail: [{ type: 'roles', valueString: 'admin' }],
    });
    expect(JSON.stringify(event)).not.toContain('bootstrap-Key-for');
  });

  it('refuses non-administrators (403) and bad requests (400 naming the field), writing nothing', async () => {
    for (const as of ['clinician', 'auditor'] as const) {
      const answer = await host.inject({ method: 'GET', url: '/admin/api-keys', as });
      expect(answer.statusCode).toBe(403);
      expect(answer.json().resourceType).toBe('OperationOutcome');
    }
    const before = (await host.inject({ method: 'GET', url: '/admin/api-keys' })).json().keys.length;
    const bad = [
      [{ roles: ['clinician'] }, 'name'],
      [{ name: 'x', roles: [] }, 'roles'],
      [{ name: 'x', roles: ['clinician'], compartment: ['Practitioner/1'] }, 'compartment.0'],
      [{ name: 'x', roles: ['clinician'], expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ name: 'x', roles: ['clinician'], admin: true }, 'body'],
      [{ name: 'x', roles: ['clinicain'] }, "roles: 'clinicain' is not a role of this deployment"],
    ] as const;
    for (const [body, path] of bad) {
      const answer = await host.inject({
        method: 'POST',
        url: '/admin/api-keys',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
      expect(answer.json().issue[0].diagnostics).toContain(path);
    }
    const revokeUnknown = await host.inject({ method: 'DELETE', url: '/admin/api-keys/no-such-key' });
    expect(revokeUnknown.statusCode).toBe(400);
    expect((await host.inject({ method: 'GET', url: '/admin/api-keys' })).json().keys.length).toBe(before);
  });
});

describe('the audit trail of key administration', () => {
  const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
  const json = { 'content-type': 'application/json' };

  it('records each issue, revocation and listing once, succeeded or failed, with the administrator, the address and the key, never its text', async () => {
    // An administrator of its own, so its records are told apart from the test's searches of the trail.
    const officer = await host.server.apiKeys.create({ name: 'key officer', roles: ['admin'] });
    const as = `raw:Bearer ${officer.key}` as const;
    const send = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
      host.inject({ method, url, as, ...(body ? { body, headers: json } : {}) });
    await sleep(5);
    const started = new Date().toISOString();

    const issued = await send('POST', '/admin/api-keys', {
      name: 'BHXH assessor',
      roles: ['clinician'],
      compartment: ['Patient/lan'],
      expiresAt: '2099-01-01T00:00:00Z',
    });
    expect(issued.statusCode).toBe(201);
    const { id, key } = issued.json();
    expect((await send('GET', '/admin/api-keys')).statusCode).toBe(200);
    expect((await send('DELETE', `/admin/api-keys/${id}`)).statusCode).toBe(204);
    expect((await send('DELETE', `/admin/api-keys/${id}`)).statusCode).toBe(204); // again: nothing changes
    expect((await send('POST', '/admin/api-keys', { name: 'typo', roles: ['clinicain'] })).statusCode).toBe(400);
    expect((await send('POST', '/admin/api-keys', { roles: ['nurse'] })).statusCode).toBe(400);
    const unknownId = '00000000-0000-4000-8000-000000000000';
    expect((await send('DELETE', `/admin/api-keys/${unknownId}`)).statusCode).toBe(400);
    // A key pasted where its id belongs: refused, and not written into the trail.
    expect((await send('DELETE', `/admin/api-keys/${host.keys.nurse}`)).statusCode).toBe(400);
    expect((await send('GET', '/admin/plugins')).statusCode).toBe(200);

    const search = new URLSearchParams({ agent: `api-key/${officer.id}`, date: `ge${started}`, _sort: 'date' });
    const found = await host.inject({ method: 'GET', url: `/fhir/R4/AuditEvent?${search}&_count=100` });
    const events: AuditEvent[] = found.json().entry.map((entry: { resource: AuditEvent }) => entry.resource);
    expect(events.map((e) => `${e.subtype?.[0]?.code} ${e.action} ${e.outcome} ${e.entity?.at(-1)?.name}`)).toEqual([
      '110137 C 0 POST /admin/api-keys',
      '110132 E 0 GET /admin/api-keys',
      '110137 D 0 DELETE /admin/api-keys/:id',
      '110137 D 0 DELETE /admin/api-keys/:id',
      '110137 C 8 POST /admin/api-keys',
      '110137 C 8 POST /admin/api-keys',
      '110137 D 8 DELETE /admin/api-keys/:id',
      '110137 D 8 DELETE /admin/api-keys/:id',
      '110132 E 0 GET /admin/plugins',
    ]);
    for (const event of events) {
      expect(event.type).toEqual({ system: DCM, code: '110113', display: 'Security Alert' });
      expect(event.agent[0]?.who).toEqual({
        identifier: { system: 'urn:mekong:system', value: `api-key/${officer.id}` },
        display: 'key officer',
      });
      expect(event.agent[0]?.network?.address).toBe('127.0.0.1');
      const checked = validateResource(event, 'AuditEvent');
      expect(checked.ok ? [] : checked.issues).toEqual([]);
    }
    const [issue, list, revoke, again, typo, unnamed, unknown, pasted] = events;
    const keyEntity = {
      what: { identifier: { system: 'urn:mekong:system', value: `api-key/${id}` } },
      name: 'BHXH assessor',
      role: { code: '11' },
    };
    expect(issue?.entity?.[0]).toMatchObject({
      ...keyEntity,
      detail: [
        { type: 'roles', valueString: 'clinician' },
        { type: 'compartment', valueString: 'Patient/lan' },
        { type: 'expires', valueString: '2099-01-01T00:00:00.000Z' },
      ],
    });
    // A key for one patient's data is in that patient's trail.
    expect(issue?.entity?.[1]?.what?.reference).toBe('Patient/lan');
    expect(list?.outcomeDesc).toMatch(/^\d+ API key\(s\) listed, with their names and roles$/);
    expect(revoke?.entity?.[0]).toMatchObject(keyEntity);
    // Revoking twice records the first revocation's date both times.
    const revokedAt = revoke?.entity?.[0]?.detail?.find((d) => d.type === 'revoked')?.valueString;
    expect(again?.entity?.[0]?.detail?.find((d) => d.type === 'revoked')?.valueString).toBe(revokedAt);
    expect(typo?.entity?.[0]).toMatchObject({ name: 'typo', detail: [{ type: 'roles', valueString: 'clinicain' }] });
    expect(typo?.entity?.[0]?.what).toBeUndefined();
    expect(typo?.outcomeDesc).toMatch(/^400: invalid API key request: roles: 'clinicain' is not a role/);
    expect(unnamed?.entity?.map((e) => e.name)).toEqual(['POST /admin/api-keys']);
    expect(unnamed?.outcomeDesc).toMatch(/^400: name: /);
    expect(unknown?.entity?.[0]?.what?.identifier?.value).toBe(`api-key/${unknownId}`);
    expect(unknown?.outcomeDesc).toContain(`there is no API key with id '${unknownId}'`);
    expect(pasted?.entity?.map((e) => e.name)).toEqual(['DELETE /admin/api-keys/:id']);
    expect(pasted?.outcomeDesc).toContain("there is no API key with id '(not recorded)'");

    // No key, whole or in part, nor its hash, in any record.
    const text = JSON.stringify(events);
    for (const secret of [key as string, host.keys.nurse, officer.key]) {
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
      const random = secret.slice(3);
      for (let i = 0; i + 10 <= random.length; i++) expect(text).not.toContain(random.slice(i, i + 10));
    }
  });
});
