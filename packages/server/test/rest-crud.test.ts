import { beforeAll, describe, expect, it } from 'vitest';
import { patient, type ServerHost, startServerHost } from './support/server-host.js';

let host: ServerHost;
beforeAll(async () => {
  host = await startServerHost();
});

describe('create, read, vread', () => {
  it('creates with 201, Location, ETag and Last-Modified, and reads the resource back', async () => {
    const created = await host.inject({ method: 'POST', url: '/fhir/R4/Patient', body: patient() });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.resourceType).toBe('Patient');
    expect(body.meta.versionId).toBe('1');
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers.location).toBe(`${host.server.url}/fhir/R4/Patient/${body.id}/_history/1`);
    expect(new Date(String(created.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    expect(created.headers['content-type']).toBe('application/fhir+json; charset=utf-8');

    const read = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json().name[0].family).toBe('Nguyen');
    expect(read.headers.etag).toBe('W/"1"');

    const vread = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}/_history/1` });
    expect(vread.statusCode).toBe(200);
    expect(vread.json().meta.versionId).toBe('1');
  });

  it('ignores a client id and server-owned meta on create', async () => {
    const created = await host.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: patient('Tran', { id: 'chosen-by-client', meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z' } }),
    });
    const body = created.json();
    expect(body.id).not.toBe('chosen-by-client');
    expect(body.meta.versionId).toBe('1');
    expect(body.meta.lastUpdated).not.toBe('2000-01-01T00:00:00Z');
  });
});
