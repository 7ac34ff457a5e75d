import { beforeAll, describe, expect, it } from 'vitest';
import { brokenPlugin, triagePlugin } from './support/sample-plugins.js';
import { type ServerHost, startServerHost } from './support/server-host.js';

let host: ServerHost;
beforeAll(async () => {
  host = await startServerHost({
    plugins: [triagePlugin, brokenPlugin],
    kernel: { plugins: { broken: { onPluginBootFailure: 'continue' } } },
    server: { limits: { requestTimeoutMs: 500 } },
  });
}, 60_000);

describe('plugin routes', () => {
  it('mounts a route with its inputs validated and typed', async () => {
    const response = await host.fetch({ method: 'GET', url: '/triage/queue/R12?limit=5', as: 'nurse' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ room: 'R12', limit: 5, caller: expect.stringMatching(/^api-key\//) });
    const bad = await host.inject({ method: 'GET', url: '/triage/queue/kitchen?limit=500' });
    expect(bad.statusCode).toBe(400);
    const outcome = bad.json();
    expect(outcome.issue[0].expression).toEqual(expect.arrayContaining(['params.room']));
    const badQuery = await host.inject({ method: 'GET', url: '/triage/queue/R1?limit=500' });
    expect(badQuery.json().issue[0].expression).toEqual(['query.limit']);
  });

  it('lets a handler answer with its own status and headers, and validates the body', async () => {
    const created = await host.inject({ method: 'POST', url: '/triage/notes', body: { level: 2, note: 'pale' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers['x-triage']).toBe('yes');
    expect(created.json()).toEqual({ accepted: 2 });
    const invalid = await host.inject({ method: 'POST', url: '/triage/notes', body: { level: 9 } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().issue[0].expression).toEqual(expect.arrayContaining(['body.level', 'body.note']));
  });

  it('requires authentication, the declared interactions and admin where asked', async () => {
    expect((await host.inject({ method: 'GET', url: '/triage/patients', as: 'anonymous' })).statusCode).toBe(401);
    expect((await host.inject({ method: 'GET', url: '/triage/patients', as: 'auditor' })).statusCode).toBe(403);
    const allowed = await host.inject({ method: 'GET', url: '/triage/patients', as: 'nurse' });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json()).toEqual({ type: 'searchset' });
    expect((await host.inject({ method: 'GET', url: '/triage/settings', as: 'clinician' })).statusCode).toBe(403);
    expect((await host.inject({ method: 'GET', url: '/triage/settings' })).statusCode).toBe(200);
  });

  it('gives the handler a store narrowed to the plugin’s declared resource types, even for an administrator', async () => {
    const response = await host.inject({ method: 'GET', url: '/triage/observations' });
    expect(response.statusCode).toBe(403);
    expect(response.json().issue[0].diagnostics).toMatch(/Observation/);
  });

  it('maps HttpError to its status with the expression, and a bug to a 500 that reveals nothing', async () => {
    const closed = await host.inject({ method: 'GET', url: '/triage/closed' });
    expect(closed.statusCode).toBe(422);
    expect(closed.json().issue[0]).toMatchObject({ code: 'processing', expression: ['Encounter.status'] });
    expect(closed.json().issue[0].diagnostics).toBe('the encounter is closed. reopen it first');
    const bug = await host.inject({ method: 'GET', url: '/triage/bug' });
    expect(bug.statusCode).toBe(500);
    expect(bug.json().issue[0].code).toBe('exception');
    expect(bug.body).not.toMatch(/secret|app\.ts|\n\s+at /);
    expect(bug.json().issue[0].diagnostics).toMatch(/request id/);
  });

  it('answers a handler that runs past the request timeout with 503', async () => {
    const slow = await host.inject({ method: 'GET', url: '/triage/slow' });
    expect(slow.statusCode).toBe(503);
    expect(slow.json().issue[0].code).toBe('timeout');
  });

  it('serves nothing of a plugin that failed, though its contributions exist', async () => {
    expect(host.test.report.plugins.find((p) => p.id === 'broken')?.status).toBe('failed');
    const ping = await host.inject({ method: 'GET', url: '/broken/ping' });
    expect(ping.statusCode).toBe(404);
    expect(ping.json().issue[0].diagnostics).toMatch(/plugin 'broken' that provides it is failed/);
    expect((await host.inject({ method: 'POST', url: '/fhir/R4/$broken-op' })).statusCode).toBe(404);
  });
});

describe('plugin FHIR operations', () => {
  it('invokes a type-level operation by GET with query parameters', async () => {
    const response = await host.inject({ method: 'GET', url: '/fhir/R4/Patient/$triage-summary?depth=2&tag=a' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(response.json().parameter).toEqual([
      { name: 'level', valueString: 'type' },
      { name: 'depth', valueInteger: 2 },
      { name: 'tags', valueString: 'a' },
    ]);
  });

  it('invokes an instance-level operation by POST with a Parameters body', async () => {
    const response = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient/p-1/$triage-summary',
      body: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'depth', valueInteger: 3 },
          { name: 'tag', valueString: 'x' },
          { name: 'tag', valueString: 'y' },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().parameter).toContainEqual({ name: 'id', valueString: 'p-1' });
    expect(response.json().parameter).toContainEqual({ name: 'tags', valueString: 'x,y' });
  });

  it('refuses invalid parameters with 400 naming the parameter', async () => {
    const response = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient/$triage-summary',
      body: { resourceType: 'Parameters', parameter: [{ name: 'depth', valueInteger: 9 }] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().issue[0].expression).toEqual(["Parameters.parameter.where(name = 'depth')"]);
    const notParameters = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient/$triage-summary',
      body: { resourceType: 'Patient' },
    });
    expect(notParameters.statusCode).toBe(400);
  });

  it('answers an operation that changes data only to POST, and only for roles that allow it', async () => {
    expect((await host.inject({ method: 'GET', url: '/fhir/R4/$reset-queue' })).statusCode).toBe(405);
    const reset = await host.inject({ method: 'POST', url: '/fhir/R4/$reset-queue' });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().parameter[0]).toEqual({ name: 'reset', valueBoolean: true });
    const nurse = await host.inject({ method: 'POST', url: '/fhir/R4/$reset-queue', as: 'nurse' });
    expect(nurse.statusCode).toBe(403);
    expect(nurse.json().issue[0].diagnostics).toMatch(/may not invoke \$reset-queue/);
  });
});

describe('documentation of plugin contributions', () => {
  it('lists started plugins’ operations and routes in the CapabilityStatement, not failed ones', async () => {
    const statement = (await host.inject({ method: 'GET', url: '/fhir/R4/metadata', as: 'anonymous' })).json();
    const rest = statement.rest[0];
    expect(rest.operation.map((o: { name: string }) => o.name)).toEqual(['reset-queue']);
    const patient = rest.resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.operation.map((o: { name: string }) => o.name)).toEqual(['triage-summary', 'triage-summary']);
    const paths = statement.extension.map(
      (e: { extension: { url: string; valueString?: string }[] }) =>
        e.extension.find((x) => x.url === 'path')?.valueString,
    );
    expect(paths).toContain('/triage/queue/:room');
    expect(paths).not.toContain('/broken/ping');
  });

  it('documents started plugins’ routes in OpenAPI with their zod schemas, not failed ones', async () => {
    const document = (await host.inject({ method: 'GET', url: '/openapi.json', as: 'anonymous' })).json();
    expect(document.openapi).toBe('3.1.0');
    const queue = document.paths['/triage/queue/{room}'].get;
    expect(queue.tags).toEqual(['triage']);
    expect(queue.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'path', name: 'room' }),
        expect.objectContaining({ in: 'query', name: 'limit' }),
      ]),
    );
    expect(
      document.paths['/triage/notes'].post.requestBody.content['application/json'].schema.properties.level,
    ).toMatchObject({
      type: 'integer',
      maximum: 5,
    });
    expect(document.paths['/fhir/R4/Patient/$triage-summary']).toBeDefined();
    expect(document.paths['/broken/ping']).toBeUndefined();
    expect(document.paths['/fhir/R4/$broken-op']).toBeUndefined();
    expect(document.paths['/fhir/R4/{type}/{id}'].get).toBeDefined();
    const docsJson = (await host.inject({ method: 'GET', url: '/docs/json', as: 'anonymous' })).json();
    expect(docsJson.paths['/broken/ping']).toBeUndefined();
  });
});

describe('health and the boot report', () => {
  it('is alive but not ready while a plugin has failed, and says why', async () => {
    expect((await host.inject({ method: 'GET', url: '/healthz', as: 'anonymous' })).json()).toEqual({
      status: 'alive',
    });
    const ready = await host.inject({ method: 'GET', url: '/readyz', as: 'anonymous' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reasons).toEqual([
      expect.stringMatching(/^plugin 'broken' is failed: .*cannot reach its device/),
    ]);
  });

  it('shows the boot report to administrators only', async () => {
    const report = await host.inject({ method: 'GET', url: '/admin/plugins' });
    expect(report.statusCode).toBe(200);
    expect(report.json().plugins.map((p: { id: string; status: string }) => `${p.id}:${p.status}`)).toEqual(
      expect.arrayContaining(['store:started', 'server:started', 'triage:started', 'broken:failed']),
    );
    expect((await host.inject({ method: 'GET', url: '/admin/plugins', as: 'clinician' })).statusCode).toBe(403);
    expect((await host.inject({ method: 'GET', url: '/admin/plugins', as: 'anonymous' })).statusCode).toBe(401);
  });
});
