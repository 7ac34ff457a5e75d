import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { patient, type ServerHost } from '../support/server-host.js';

/** The FHIR REST API, run on each backend. Ids and identifiers are unique per run, so runs never collide. */
export function restSuite(start: () => Promise<ServerHost>): void {
  let host: ServerHost;
  const system = `urn:test:${randomUUID()}`;
  const create = async (body: unknown = patient()) => {
    const response = await host.inject({ method: 'POST', url: '/fhir/R4/Patient', body });
    expect(response.statusCode).toBe(201);
    return response.json();
  };

  beforeAll(async () => {
    host = await start();
  }, 60_000);

  describe('create, read, vread', () => {
    it('creates with 201, Location, ETag and Last-Modified, and reads the resource back', async () => {
      const created = await host.inject({ method: 'POST', url: '/fhir/R4/Patient', body: patient() });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body.meta.versionId).toBe('1');
      expect(created.headers.etag).toBe('W/"1"');
      expect(created.headers.location).toBe(`${host.server.url}/fhir/R4/Patient/${body.id}/_history/1`);
      expect(created.headers['last-modified']).toBe(new Date(body.meta.lastUpdated).toUTCString());
      expect(created.headers['content-type']).toBe('application/fhir+json; charset=utf-8');

      const read = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}` });
      expect(read.statusCode).toBe(200);
      expect(read.json().name[0].family).toBe('Nguyen');
      expect(read.headers.etag).toBe('W/"1"');

      const vread = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}/_history/1` });
      expect(vread.statusCode).toBe(200);
      expect(vread.json().meta.versionId).toBe('1');
      expect((await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${body.id}/_history/7` })).statusCode).toBe(
        404,
      );
    });

    it('keeps id, versionId and lastUpdated the server’s on create', async () => {
      const body = await create(
        patient('Tran', { id: 'chosen-by-client', meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z' } }),
      );
      expect(body.id).not.toBe('chosen-by-client');
      expect(body.meta.versionId).toBe('1');
      expect(body.meta.lastUpdated).not.toBe('2000-01-01T00:00:00Z');
    });

    it('answers 304 when If-None-Match names the current version', async () => {
      const { id } = await create();
      const again = await host.inject({
        method: 'GET',
        url: `/fhir/R4/Patient/${id}`,
        headers: { 'if-none-match': 'W/"1"' },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    });

    it('refuses a body of another type than the URL (400) and an unknown type (404)', async () => {
      const wrong = await host.inject({ method: 'POST', url: '/fhir/R4/Observation', body: patient() });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().issue[0].expression).toEqual(['resourceType']);
      const unknown = await host.inject({ method: 'GET', url: '/fhir/R4/Patients/1' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().issue[0].diagnostics).toMatch(/'Patients' is not a FHIR R4 resource type/);
    });

    it('answers an invalid resource with 400 and the FHIRPath of each offending element', async () => {
      const invalid = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: { resourceType: 'Patient', gender: 'sometimes', birthDate: 'yesterday' },
      });
      expect(invalid.statusCode).toBe(400);
      const outcome = invalid.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      const expressions = outcome.issue.flatMap((issue: { expression?: string[] }) => issue.expression ?? []);
      expect(expressions).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate']));
      expect(invalid.body).not.toMatch(/at .*\.ts:\d+/);
    });

    it('answers a malformed id with 400 and a missing one with 404', async () => {
      expect((await host.inject({ method: 'GET', url: '/fhir/R4/Patient/bad$id%20x' })).statusCode).toBe(400);
      const missing = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${randomUUID()}` });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().issue[0].code).toBe('not-found');
    });
  });

  describe('update, conditional writes, patch, delete', () => {
    it('updates with 200 and a new ETag; creates with 201 when the id is new', async () => {
      const { id } = await create();
      const updated = await host.inject({ method: 'PUT', url: `/fhir/R4/Patient/${id}`, body: patient('Le', { id }) });
      expect(updated.statusCode).toBe(200);
      expect(updated.headers.etag).toBe('W/"2"');
      const fresh = `client-${randomUUID()}`;
      const put = await host.inject({
        method: 'PUT',
        url: `/fhir/R4/Patient/${fresh}`,
        body: patient('Le', { id: fresh }),
      });
      expect(put.statusCode).toBe(201);
      expect(put.headers.location).toBe(`${host.server.url}/fhir/R4/Patient/${fresh}/_history/1`);
    });

    it('refuses an update whose id is missing or differs from the URL (400)', async () => {
      const { id } = await create();
      const missing = await host.inject({ method: 'PUT', url: `/fhir/R4/Patient/${id}`, body: patient() });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().issue[0].expression).toEqual(['Patient.id']);
      const other = await host.inject({
        method: 'PUT',
        url: `/fhir/R4/Patient/${id}`,
        body: patient('X', { id: 'other' }),
      });
      expect(other.statusCode).toBe(400);
    });

    it('applies If-Match: 412 when the version is not the current one, 400 when it is not an ETag', async () => {
      const { id } = await create();
      const ok = await host.inject({
        method: 'PUT',
        url: `/fhir/R4/Patient/${id}`,
        body: patient('Pham', { id }),
        headers: { 'if-match': 'W/"1"' },
      });
      expect(ok.statusCode).toBe(200);
      const stale = await host.inject({
        method: 'PUT',
        url: `/fhir/R4/Patient/${id}`,
        body: patient('Vo', { id }),
        headers: { 'if-match': 'W/"1"' },
      });
      expect(stale.statusCode).toBe(412);
      expect(stale.json().issue[0].code).toBe('conflict');
      expect(stale.json().issue[0].diagnostics).toMatch(/version 2, not 1/);
      const garbled = await host.inject({
        method: 'PUT',
        url: `/fhir/R4/Patient/${id}`,
        body: patient('Vo', { id }),
        headers: { 'if-match': 'yesterday' },
      });
      expect(garbled.statusCode).toBe(400);
    });

    it('follows Prefer: return=minimal and return=OperationOutcome', async () => {
      const minimal = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient(),
        headers: { prefer: 'return=minimal' },
      });
      expect(minimal.statusCode).toBe(201);
      expect(minimal.body).toBe('');
      expect(minimal.headers.location).toMatch(/\/fhir\/R4\/Patient\/[^/]+\/_history\/1$/);
      const outcome = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient(),
        headers: { prefer: 'return=OperationOutcome' },
      });
      expect(outcome.statusCode).toBe(201);
      expect(outcome.json().resourceType).toBe('OperationOutcome');
      expect(outcome.json().issue[0].severity).toBe('information');
      const representation = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient(),
        headers: { prefer: 'return=representation' },
      });
      expect(representation.json().resourceType).toBe('Patient');
    });

    it('creates conditionally: 201 the first time, 200 with the existing resource after, 412 on several matches', async () => {
      const identifier = [{ system, value: `cc-${randomUUID()}` }];
      const criteria = `identifier=${encodeURIComponent(`${system}|${identifier[0]?.value}`)}`;
      const first = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient('Do', { identifier }),
        headers: { 'if-none-exist': criteria },
      });
      expect(first.statusCode).toBe(201);
      const second = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient('Do', { identifier }),
        headers: { 'if-none-exist': criteria },
      });
      expect(second.statusCode).toBe(200);
      expect(second.json().id).toBe(first.json().id);
      await create(patient('Do', { identifier })); // a second match, created unconditionally
      const ambiguous = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient('Do', { identifier }),
        headers: { 'if-none-exist': criteria },
      });
      expect(ambiguous.statusCode).toBe(412);
      const empty = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient(),
        headers: { 'if-none-exist': '' },
      });
      expect(empty.statusCode).toBe(400);
    });

    it('creates one resource when 20 conditional creates race with the same criteria written differently', async () => {
      const value = `race-${randomUUID()}`;
      const spellings = [
        `identifier=${system}|${value}`,
        `identifier=${value}`,
        `identifier=${system}|${value}&_count=1`,
        `_count=1&identifier=${value}&_format=json`,
      ].map((criteria) => criteria.replaceAll(':', '%3A').replaceAll('|', '%7C'));
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          host.inject({
            method: 'POST',
            url: '/fhir/R4/Patient',
            body: patient('Do', { identifier: [{ system, value }] }),
            headers: { 'if-none-exist': spellings[i % spellings.length] as string },
          }),
        ),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
      const found = await host.inject({ method: 'GET', url: `/fhir/R4/Patient?identifier=${value}&_total=accurate` });
      expect(found.json().total).toBe(1);
    });

    it('updates conditionally: 201 when nothing matches, 200 when one does', async () => {
      const identifier = [{ system, value: `cu-${randomUUID()}` }];
      const url = `/fhir/R4/Patient?identifier=${encodeURIComponent(`${system}|${identifier[0]?.value}`)}`;
      const created = await host.inject({ method: 'PUT', url, body: patient('Ho', { identifier }) });
      expect(created.statusCode).toBe(201);
      const updated = await host.inject({ method: 'PUT', url, body: patient('Hoang', { identifier }) });
      expect(updated.statusCode).toBe(200);
      expect(updated.json().id).toBe(created.json().id);
      expect(updated.headers.etag).toBe('W/"2"');
    });

    it('patches with JSON Patch: 200, 415 for another media type, 400 for a bad patch, 422 for an invalid result', async () => {
      const { id } = await create();
      const patched = await host.inject({
        method: 'PATCH',
        url: `/fhir/R4/Patient/${id}`,
        body: JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]),
        headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().gender).toBe('male');
      expect(patched.headers.etag).toBe('W/"2"');
      const fhirJson = await host.inject({
        method: 'PATCH',
        url: `/fhir/R4/Patient/${id}`,
        body: [{ op: 'replace', path: '/gender', value: 'male' }],
      });
      expect(fhirJson.statusCode).toBe(415);
      const bad = await host.inject({
        method: 'PATCH',
        url: `/fhir/R4/Patient/${id}`,
        body: JSON.stringify([{ op: 'jump', path: '/gender' }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(bad.statusCode).toBe(400);
      const invalid = await host.inject({
        method: 'PATCH',
        url: `/fhir/R4/Patient/${id}`,
        body: JSON.stringify([{ op: 'replace', path: '/gender', value: 'sometimes' }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(invalid.statusCode).toBe(422);
      expect(invalid.json().issue[0].expression).toEqual(['Patient.gender']);
      const stale = await host.inject({
        method: 'PATCH',
        url: `/fhir/R4/Patient/${id}`,
        body: JSON.stringify([{ op: 'replace', path: '/gender', value: 'other' }]),
        headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
      });
      expect(stale.statusCode).toBe(412);
    });

    it('deletes: 204, then 410 Gone on read, history kept; 404 for what never existed', async () => {
      const { id } = await create();
      const deleted = await host.inject({ method: 'DELETE', url: `/fhir/R4/Patient/${id}` });
      expect(deleted.statusCode).toBe(204);
      const gone = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}` });
      expect(gone.statusCode).toBe(410);
      expect(gone.json().issue[0].code).toBe('deleted');
      const history = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}/_history` });
      expect(history.json().entry.map((e: { request: { method: string } }) => e.request.method)).toEqual([
        'DELETE',
        'POST',
      ]);
      const withOutcome = await host.inject({
        method: 'DELETE',
        url: `/fhir/R4/Patient/${id}`,
        headers: { prefer: 'return=OperationOutcome' },
      });
      expect(withOutcome.statusCode).toBe(200);
      expect(withOutcome.json().resourceType).toBe('OperationOutcome');
      expect((await host.inject({ method: 'DELETE', url: `/fhir/R4/Patient/${randomUUID()}` })).statusCode).toBe(404);
    });
  });

  describe('history', () => {
    it('lists a resource’s versions newest first, with _count and _since', async () => {
      const { id } = await create();
      await host.inject({ method: 'PUT', url: `/fhir/R4/Patient/${id}`, body: patient('Two', { id }) });
      await host.inject({ method: 'PUT', url: `/fhir/R4/Patient/${id}`, body: patient('Three', { id }) });
      const history = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}/_history` });
      expect(history.statusCode).toBe(200);
      const bundle = history.json();
      expect(bundle.type).toBe('history');
      expect(bundle.entry.map((e: { response: { etag: string } }) => e.response.etag)).toEqual([
        'W/"3"',
        'W/"2"',
        'W/"1"',
      ]);
      expect(bundle.entry[0].fullUrl).toBe(`${host.server.url}/fhir/R4/Patient/${id}`);
      expect(bundle.link[0].url).toBe(`${host.server.url}/fhir/R4/Patient/${id}/_history`);
      const one = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}/_history?_count=1` });
      expect(one.json().entry).toHaveLength(1);
      const future = await host.inject({
        method: 'GET',
        url: `/fhir/R4/Patient/${id}/_history?_since=2999-01-01T00:00:00Z`,
      });
      expect(future.json().entry).toHaveLength(0);
      const badSince = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}/_history?_since=tomorrow` });
      expect(badSince.statusCode).toBe(400);
      expect(badSince.json().issue[0].expression).toEqual(['_since']);
      const unknown = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}/_history?name=x` });
      expect(unknown.statusCode).toBe(400);
    });

    it('lists the versions of a type', async () => {
      const before = new Date(Date.now() - 1000).toISOString();
      const { id } = await create();
      const history = await host.inject({
        method: 'GET',
        url: `/fhir/R4/Patient/_history?_since=${before}&_count=200`,
      });
      expect(history.statusCode).toBe(200);
      const ids = history.json().entry.map((e: { resource?: { id: string } }) => e.resource?.id);
      expect(ids).toContain(id);
    });
  });

  describe('search', () => {
    it('searches by GET and by POST _search with the same result, paging with absolute next links', async () => {
      const family = `Fam${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 5; i++) await create(patient(family));
      const first = await host.inject({ method: 'GET', url: `/fhir/R4/Patient?family=${family}&_count=2` });
      expect(first.statusCode).toBe(200);
      const page = first.json();
      expect(page.type).toBe('searchset');
      expect(page.entry).toHaveLength(2);
      expect(page.entry[0].fullUrl).toMatch(new RegExp(`^${host.server.url}/fhir/R4/Patient/`));
      const self = page.link.find((l: { relation: string }) => l.relation === 'self').url;
      expect(self).toBe(`${host.server.url}/fhir/R4/Patient?family=${family}&_count=2`);
      const ids = page.entry.map((e: { resource: { id: string } }) => e.resource.id);
      let next = page.link.find((l: { relation: string }) => l.relation === 'next')?.url;
      while (next) {
        expect(next.startsWith(`${host.server.url}/fhir/R4/Patient?`)).toBe(true);
        expect(new URL(next).searchParams.get('_cursor')).toBeTruthy();
        const followed = (await host.inject({ method: 'GET', url: next.slice(host.server.url.length) })).json();
        ids.push(...followed.entry.map((e: { resource: { id: string } }) => e.resource.id));
        next = followed.link.find((l: { relation: string }) => l.relation === 'next')?.url;
      }
      expect(new Set(ids).size).toBe(5);

      const posted = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient/_search',
        body: `family=${family}&_count=10`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(posted.statusCode).toBe(200);
      expect(posted.json().entry).toHaveLength(5);
      const asJson = await host.inject({ method: 'POST', url: '/fhir/R4/Patient/_search', body: { family } });
      expect(asJson.statusCode).toBe(415);
    });

    it('refuses a _count above the maximum (400) and parameters the store does not know (400)', async () => {
      const huge = await host.inject({ method: 'GET', url: '/fhir/R4/Patient?_count=100000' });
      expect(huge.statusCode).toBe(400);
      expect(huge.json().issue[0].expression).toEqual(['_count']);
      const unknown = await host.inject({ method: 'GET', url: '/fhir/R4/Patient?favourite-colour=blue' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().issue[0].diagnostics).toMatch(/favourite-colour/);
    });
  });

  describe('transaction and batch', () => {
    it('commits a transaction whole, with urn:uuid references resolved', async () => {
      const ref = `urn:uuid:${randomUUID()}`;
      const response = await host.fetch({
        method: 'POST',
        url: '/fhir/R4',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: ref, resource: patient('Txn'), request: { method: 'POST', url: 'Patient' } },
            {
              resource: {
                resourceType: 'Observation',
                status: 'final',
                code: { text: 'pulse' },
                subject: { reference: ref },
              },
              request: { method: 'POST', url: 'Observation' },
            },
          ],
        },
      });
      expect(response.status).toBe(200);
      const bundle = await response.json();
      expect(bundle.type).toBe('transaction-response');
      const [patientLocation, observationLocation] = bundle.entry.map(
        (e: { response: { location: string } }) => e.response.location,
      );
      const observation = await host.inject({
        method: 'GET',
        url: `/fhir/R4/${observationLocation.split('/_history')[0]}`,
      });
      expect(observation.json().subject.reference).toBe(patientLocation.split('/_history')[0]);
    });

    it('writes nothing of a transaction when one entry fails, naming the entry', async () => {
      const family = `Atomic${randomUUID().slice(0, 8)}`;
      const response = await host.fetch({
        method: 'POST',
        url: '/fhir/R4',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: patient(family), request: { method: 'POST', url: 'Patient' } },
            { resource: { resourceType: 'Patient', gender: 'sometimes' }, request: { method: 'POST', url: 'Patient' } },
          ],
        },
      });
      expect(response.status).toBe(400);
      const outcome = await response.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      const expressions = outcome.issue.flatMap((issue: { expression?: string[] }) => issue.expression ?? []);
      expect(expressions).toContain('Bundle.entry[1].resource.gender');
      const search = await host.inject({ method: 'GET', url: `/fhir/R4/Patient?family=${family}` });
      expect(search.json().entry).toHaveLength(0);
    });

    it('runs a batch entry by entry', async () => {
      const response = await host.inject({
        method: 'POST',
        url: '/fhir/R4',
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { resource: patient('Batch'), request: { method: 'POST', url: 'Patient' } },
            { request: { method: 'GET', url: `Patient/${randomUUID()}` } },
          ],
        },
      });
      expect(response.statusCode).toBe(200);
      const statuses = response.json().entry.map((e: { response: { status: string } }) => e.response.status);
      expect(statuses[0]).toMatch(/^201/);
      expect(statuses[1]).toMatch(/^404/);
    });

    it('refuses a body at the base that is not a Bundle (400)', async () => {
      const response = await host.inject({ method: 'POST', url: '/fhir/R4', body: patient() });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('formats', () => {
    it('answers application/json when asked by Accept or _format, and 406 for XML', async () => {
      const { id } = await create();
      const json = await host.inject({
        method: 'GET',
        url: `/fhir/R4/Patient/${id}`,
        headers: { accept: 'application/json' },
      });
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      const format = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}?_format=json` });
      expect(format.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      const xml = await host.inject({ method: 'GET', url: `/fhir/R4/Patient/${id}?_format=xml` });
      expect(xml.statusCode).toBe(406);
      const acceptXml = await host.inject({
        method: 'GET',
        url: `/fhir/R4/Patient/${id}`,
        headers: { accept: 'application/fhir+xml' },
      });
      expect(acceptXml.statusCode).toBe(406);
    });

    it('takes application/json bodies as well as FHIR JSON, and refuses other media types with 415', async () => {
      const json = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: JSON.stringify(patient()),
        headers: { 'content-type': 'application/json' },
      });
      expect(json.statusCode).toBe(201);
      const xml = await host.inject({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: '<Patient xmlns="http://hl7.org/fhir"/>',
        headers: { 'content-type': 'application/fhir+xml' },
      });
      expect(xml.statusCode).toBe(415);
      expect(xml.json().resourceType).toBe('OperationOutcome');
    });
  });
}
