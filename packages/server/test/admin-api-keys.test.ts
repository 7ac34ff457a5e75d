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

  it('the bootstrap key from the configuration is an administrator key', async () => {
    const listed = await host.inject({
      method: 'GET',
      url: '/admin/api-keys',
      as: 'raw:Bearer bootstrap-Key-for-the-admin-api-key-tests-0123',
    });
    expect(listed.statusCode).toBe(200);
    expect(host.server.bootstrapKey).toBeUndefined();
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
