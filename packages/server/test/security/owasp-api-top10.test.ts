import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiKeyAgent, auditEvents, interactionOf } from './support/audit.js';
import { lazyBody, rssMiB } from './support/memory.js';
import { expectOutcome, leaksIn, outcomeProblems } from './support/outcome.js';
import { brokenPlugin, INTERNAL_MESSAGE, probePlugin } from './support/probe-plugins.js';
import {
  type Answer,
  bearer,
  type Call,
  observation,
  patient,
  type SecurityHost,
  startSecurityHost,
  type Transport,
  transports,
} from './support/security-host.js';
import { startTrapServer, type TrapServer } from './support/trap-server.js';

// The OWASP API Security Top 10 (2023), one describe per risk, over inject() and over the listening socket.
// One host (PGlite in memory) for the file, with tight limits so that exceeding them is cheap.

const BODY_LIMIT = 256 * 1024;
const MAX_ENTRIES = 50;
const MAX_COUNT = 200;
const RATE_MAX = 400;
const TIMEOUT_MS = 1_500;

let host: SecurityHost;
let trap: TrapServer;
/** Two patients, each with an observation; the names are markers searched for in answers. */
const A = { id: '', obs: '', encounter: '', family: 'Alphamarker' };
const B = { id: '', obs: '', family: 'Bravomarker' };
const SECRET_REASON = 'SECRETREASONMARKER';
/** An API key bound to patient A's compartment (role patient), and its id. */
let patientKey = { id: '', key: '' };
/** An administrator key per transport: each has a rate-limit budget of its own. */
const adminKeys: Record<Transport, string> = { inject: '', fetch: '' };

beforeAll(async () => {
  trap = await startTrapServer();
  host = await startSecurityHost({
    plugins: [probePlugin, brokenPlugin],
    kernel: { plugins: { 'sec-broken': { onPluginBootFailure: 'continue' } } },
    server: {
      limits: {
        bodyBytes: BODY_LIMIT,
        maxBundleEntries: MAX_ENTRIES,
        maxCount: MAX_COUNT,
        requestTimeoutMs: TIMEOUT_MS,
        rateLimit: { max: RATE_MAX, timeWindowMs: 60_000 },
      },
      auth: {
        roles: {
          // A ward nurse sees and charts only the patients of her ward, listed by the identity provider.
          'ward-nurse': {
            rules: [
              { type: 'Observation', interactions: ['read', 'search', 'create', 'update', 'patch'] },
              { type: 'Patient', interactions: ['read', 'search'] },
            ],
            compartment: { claim: 'ward_patients' },
          },
        },
      },
    },
  });
  const create = async (resource: object) => {
    const answer = await host.send({
      method: 'POST',
      url: `/fhir/R4/${(resource as { resourceType: string }).resourceType}`,
      body: resource,
    });
    expect(answer.status, answer.text).toBe(201);
    return answer.json().id as string;
  };
  A.id = await create(patient(A.family));
  B.id = await create(patient(B.family));
  A.obs = await create(observation(A.id));
  B.obs = await create(observation(B.id, { note: [{ text: B.family }] }));
  A.encounter = await create({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${A.id}` },
    reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '987654321' }], text: SECRET_REASON }],
  });
  // A second visit, so that searches of encounters have a next page.
  await create({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${A.id}` },
    reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '111111111' }] }],
  });
  patientKey = await host.server.apiKeys.create({
    name: 'patient A portal',
    roles: ['patient'],
    compartment: [`Patient/${A.id}`],
  });
  for (const transport of transports) {
    adminKeys[transport] = (
      await host.server.apiKeys.create({ name: `admin over ${transport}`, roles: ['admin'] })
    ).key;
  }
}, 60_000);

/**
 * An answer must not carry another patient's data: not their name, and not their id unless the caller sent it
 * (a refusal may repeat the URL; it must not say whose record another id is).
 */
function expectNoDataOf(answer: Answer, other: { id: string; family: string }, sent = '') {
  if (!sent.includes(other.id)) expect(answer.text).not.toContain(other.id);
  expect(answer.text).not.toContain(other.family);
}

describe.each(transports)('OWASP API Security Top 10 (2023) over %s', (transport: Transport) => {
  const send = (call: Call) => host.send({ ...call, as: call.as ?? bearer(adminKeys[transport]) }, transport);
  const asPatient = () => bearer(patientKey.key);

  describe('API1:2023 Broken Object Level Authorization', () => {
    it("refuses another patient's record to a compartment-bound key (403) and audits the refusal", async () => {
      const own = await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: asPatient() });
      expect(own.status).toBe(200);
      expect(own.json().id).toBe(A.id);

      const query = { entity: `Patient/${B.id}`, agent: apiKeyAgent(patientKey.id), outcome: '4' };
      const before = await auditEvents(host, query);
      const other = await send({ method: 'GET', url: `/fhir/R4/Patient/${B.id}`, as: asPatient() });
      expectOutcome(other, 403);
      expectNoDataOf(other, B, `Patient/${B.id}`);

      const after = await auditEvents(host, query);
      expect(after.length).toBe(before.length + 1);
      const refusal = after[0];
      expect(refusal && interactionOf(refusal)).toBe('read');
      expect(refusal?.outcome).toBe('4');
      expect(refusal?.agent[0]?.who?.identifier?.value).toBe(apiKeyAgent(patientKey.id));
      expect(refusal?.agent[0]?.network?.address).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      expect(refusal?.entity?.[0]?.what?.reference).toBe(`Patient/${B.id}`);
    });

    it("refuses or hides the other patient's data on every path: vread, history, related resources, search, include, batch", async () => {
      const refused = [
        `/fhir/R4/Patient/${B.id}/_history/1`,
        `/fhir/R4/Patient/${B.id}/_history`,
        `/fhir/R4/Observation/${B.obs}`,
        `/fhir/R4/Observation/${B.obs}/_history/1`,
      ];
      for (const url of refused) {
        const answer = await send({ method: 'GET', url, as: asPatient() });
        expectOutcome(answer, 403);
        expectNoDataOf(answer, B, url);
      }
      const searches = [
        `/fhir/R4/Patient`,
        `/fhir/R4/Patient?_id=${B.id}`,
        `/fhir/R4/Patient?family=${B.family}`,
        `/fhir/R4/Observation?subject=Patient/${B.id}`,
        `/fhir/R4/Observation?patient=${B.id}`,
        `/fhir/R4/Observation?_include=Observation:subject:Patient`,
        `/fhir/R4/Patient?_revinclude=Observation:subject`,
        `/fhir/R4/Observation?subject:Patient.family=${B.family}`,
        `/fhir/R4/Patient/_history`,
        `/fhir/R4/Observation/_history`,
      ];
      for (const url of searches) {
        const answer = await send({ method: 'GET', url, as: asPatient() });
        expect([200, 403], `${url}: ${answer.text.slice(0, 200)}`).toContain(answer.status);
        expect((answer.json().entry ?? []).map((e: { resource?: { id: string } }) => e.resource?.id)).not.toContain(
          B.id,
        );
        expect(answer.text).not.toContain(B.obs);
        expect(answer.text).not.toContain(`"family":"${B.family}"`);
      }
      const form = await send({
        method: 'POST',
        url: '/fhir/R4/Patient/_search',
        as: asPatient(),
        body: `_id=${B.id}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(200);
      expect(form.json().entry ?? []).toEqual([]);
      const batch = await send({
        method: 'POST',
        url: '/fhir/R4',
        as: asPatient(),
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: `Patient/${B.id}` } },
            { request: { method: 'GET', url: `Observation/${B.obs}` } },
          ],
        },
      });
      expect(batch.status, batch.text).toBe(200);
      expect(batch.json().entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual([
        '403',
        '403',
      ]);
      expectNoDataOf(batch, B, `${B.id} ${B.obs}`);
    });

    it("refuses another patient's record to a SMART patient-context token", async () => {
      const token = await host.jwt({ roles: ['patient'], patient: A.id, scope: 'patient/*.read' });
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(token) })).status).toBe(200);
      const other = await send({ method: 'GET', url: `/fhir/R4/Observation/${B.obs}`, as: bearer(token) });
      expectOutcome(other, 403);
      expectNoDataOf(other, B);
    });

    it("refuses a compartment-bound writer another patient's record, and moving a record to another patient", async () => {
      const token = await host.jwt({
        sub: `ward-nurse-${transport}`,
        roles: ['ward-nurse'],
        ward_patients: [`Patient/${A.id}`],
      });
      const as = bearer(token);
      const query = { agent: `ward-nurse-${transport}`, outcome: '4' };
      const before = await auditEvents(host, query);

      expectOutcome(await send({ method: 'POST', url: '/fhir/R4/Observation', as, body: observation(B.id) }), 403);
      const own = await send({ method: 'GET', url: `/fhir/R4/Observation/${A.obs}`, as });
      expect(own.status).toBe(200);
      const moved = { ...own.json(), subject: { reference: `Patient/${B.id}` } };
      expectOutcome(await send({ method: 'PUT', url: `/fhir/R4/Observation/${A.obs}`, as, body: moved }), 403);
      expectOutcome(
        await send({
          method: 'PATCH',
          url: `/fhir/R4/Observation/${A.obs}`,
          as,
          body: JSON.stringify([{ op: 'replace', path: '/subject/reference', value: `Patient/${B.id}` }]),
          headers: { 'content-type': 'application/json-patch+json' },
        }),
        403,
      );
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Observation/${B.obs}`, as }), 403);

      const still = await send({ method: 'GET', url: `/fhir/R4/Observation/${A.obs}` });
      expect(still.json().subject.reference).toBe(`Patient/${A.id}`);
      const after = await auditEvents(host, query);
      expect(after.length - before.length).toBe(4);
      expect(after.slice(0, 4).map(interactionOf).sort()).toEqual(['create', 'patch', 'read', 'update']);
    });
  });

  describe('API2:2023 Broken Authentication', () => {
    it('answers 401 with a Bearer challenge on every protected route without a credential', async () => {
      const paths = await documentedOperations();
      expect(paths.length).toBeGreaterThan(10);
      for (const { method, url } of paths) {
        const answer = await send({ method, url, as: 'anonymous', ...(method === 'GET' ? {} : { body: patient() }) });
        if (isPublic(url)) continue;
        expectOutcome(answer, 401);
        expect(answer.headers['www-authenticate'], `${method} ${url}`).toMatch(/^Bearer realm="mekong"/);
      }
      // Unknown paths too: the inventory is not revealed to strangers.
      expectOutcome(await send({ method: 'GET', url: '/internal/secrets', as: 'anonymous' }), 401);
    });

    it('refuses expired, forged, tampered, wrong-issuer, wrong-audience, unsigned and algorithm-confused tokens', async () => {
      const now = Math.floor(Date.now() / 1000);
      const good = await host.jwt({ roles: ['admin'] });
      const [header, payload] = good.split('.');
      const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const { createHmac } = await import('node:crypto');
      const hs256Header = b64({ alg: 'HS256', typ: 'JWT' });
      const hs256 = `${hs256Header}.${payload}`;
      const confused = `${hs256}.${createHmac('sha256', JSON.stringify(host.publicJwk)).update(hs256).digest('base64url')}`;
      const tokens: Record<string, string> = {
        expired: await host.jwt({ roles: ['admin'], iat: now - 7200, exp: now - 3600 }),
        'not yet valid': await host.jwt({ roles: ['admin'], nbf: now + 3600 }),
        forged: await host.forger.sign({ roles: ['admin'] }),
        tampered: `${header}.${b64({ ...claims, sub: 'someone-else' })}.${good.split('.')[2]}`,
        'wrong issuer': await host.jwt({ roles: ['admin'], iss: 'https://evil.example' }),
        'wrong audience': await host.jwt({ roles: ['admin'], aud: 'another-api' }),
        'no expiry': await host.jwt({ roles: ['admin'], exp: undefined }),
        'no subject': await host.jwt({ roles: ['admin'], sub: undefined }),
        unsigned: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        'HS256 with the public key as secret': confused,
        garbage: 'eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln',
        'unknown API key': `mk_${'x'.repeat(43)}`,
      };
      for (const [name, token] of Object.entries(tokens)) {
        const answer = await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(token) });
        expect(answer.status, `${name}: ${answer.text}`).toBe(401);
        expect(outcomeProblems(answer), name).toEqual([]);
        expect(answer.headers['www-authenticate'], name).toMatch(/^Bearer realm="mekong", error="invalid_token"/);
        expectNoDataOf(answer, A);
      }
    });

    it('refuses a revoked API key and an expired one with 401', async () => {
      const key = await host.server.apiKeys.create({ name: `revoked ${transport}`, roles: ['clinician'] });
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(key.key) })).status).toBe(200);
      await host.server.apiKeys.revoke(key.id);
      const revoked = await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(key.key) });
      expectOutcome(revoked, 401);
      expect(revoked.headers['www-authenticate']).toMatch(/error="invalid_token"/);

      const soon = await host.server.apiKeys.create({
        name: `expiring ${transport}`,
        roles: ['clinician'],
        expiresAt: new Date(Date.now() + 400),
      });
      await sleep(500);
      const expired = await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(soon.key) });
      expectOutcome(expired, 401);
      expect(expired.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    });

    it('refuses malformed Authorization headers, and credentials outside the Authorization header', async () => {
      for (const authorization of [
        'Basic YWRtaW46YWRtaW4=',
        host.keys.admin,
        `Bearer`,
        `Bearer a b`,
        `Token ${host.keys.admin}`,
      ]) {
        const answer = await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: `raw:${authorization}` });
        expectOutcome(answer, 401);
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="mekong"/);
      }
      const inQuery = await send({
        method: 'GET',
        url: `/fhir/R4/Patient/${A.id}?access_token=${host.keys.admin}`,
        as: 'anonymous',
      });
      expectOutcome(inQuery, 401);
      const inCookie = await send({
        method: 'GET',
        url: `/fhir/R4/Patient/${A.id}`,
        as: 'anonymous',
        headers: { cookie: `access_token=${host.keys.admin}` },
      });
      expectOutcome(inCookie, 401);
    });
  });

  describe('API3:2023 Broken Object Property Level Authorization', () => {
    it('ignores a client-chosen id and server-owned meta on create', async () => {
      const created = await send({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient('Massassign', {
          id: `chosen-${transport}`,
          meta: { versionId: '42', lastUpdated: '2001-01-01T00:00:00Z', source: 'x' },
        }),
      });
      expect(created.status).toBe(201);
      const body = created.json();
      expect(body.id).not.toBe(`chosen-${transport}`);
      expect(body.meta.versionId).toBe('1');
      expect(body.meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Patient/chosen-${transport}` }), 404);
    });

    it('refuses an id in the body that differs from the URL, and a patch of id or resourceType', async () => {
      const current = (await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}` })).json();
      expectOutcome(
        await send({ method: 'PUT', url: `/fhir/R4/Patient/${A.id}`, body: { ...current, id: B.id } }),
        400,
      );
      for (const operation of [
        { op: 'replace', path: '/id', value: B.id },
        { op: 'replace', path: '/resourceType', value: 'Practitioner' },
      ]) {
        expectOutcome(
          await send({
            method: 'PATCH',
            url: `/fhir/R4/Patient/${A.id}`,
            body: JSON.stringify([operation]),
            headers: { 'content-type': 'application/json-patch+json' },
          }),
          400,
        );
      }
      const after = (await send({ method: 'GET', url: `/fhir/R4/Patient/${B.id}` })).json();
      expect(after.name[0].family).toBe(B.family);
    });

    it('never lets a non-administrator set or change security labels (meta.security)', async () => {
      const label = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
      const created = await send({
        method: 'POST',
        url: '/fhir/R4/Observation',
        as: 'clinician',
        body: observation(A.id, { meta: { security: [label] } }),
      });
      expect(created.status).toBe(201);
      const id = created.json().id;
      expect((await send({ method: 'GET', url: `/fhir/R4/Observation/${id}` })).json().meta.security).toBeUndefined();

      // An administrator labels it; the clinician's update and patch cannot remove or change the label.
      const labelled = (await send({ method: 'GET', url: `/fhir/R4/Observation/${id}` })).json();
      labelled.meta = { security: [label] };
      expect((await send({ method: 'PUT', url: `/fhir/R4/Observation/${id}`, body: labelled })).status).toBe(200);
      const seen = (await send({ method: 'GET', url: `/fhir/R4/Observation/${id}`, as: 'clinician' })).json();
      seen.meta.security = [{ ...label, code: 'N' }];
      expect(
        (await send({ method: 'PUT', url: `/fhir/R4/Observation/${id}`, as: 'clinician', body: seen })).status,
      ).toBe(200);
      const patched = await send({
        method: 'PATCH',
        url: `/fhir/R4/Observation/${id}`,
        as: 'clinician',
        body: JSON.stringify([{ op: 'remove', path: '/meta/security' }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect([200, 400, 403]).toContain(patched.status);
      const stored = (await send({ method: 'GET', url: `/fhir/R4/Observation/${id}` })).json();
      expect(stored.meta.security).toEqual([label]);
    });

    it("keeps a role's read-only fields: a receptionist cannot record a death, a clinician cannot link patients", async () => {
      const created = await send({
        method: 'POST',
        url: '/fhir/R4/Patient',
        as: 'receptionist',
        body: patient('Readonly', { deceasedBoolean: true }),
      });
      expect(created.status).toBe(201);
      const id = created.json().id;
      const stored = (await send({ method: 'GET', url: `/fhir/R4/Patient/${id}` })).json();
      expect(stored.deceasedBoolean).toBeUndefined();
      const linked = { ...stored, link: [{ other: { reference: `Patient/${B.id}` }, type: 'replaced-by' }] };
      expect((await send({ method: 'PUT', url: `/fhir/R4/Patient/${id}`, as: 'clinician', body: linked })).status).toBe(
        200,
      );
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${id}` })).json().link).toBeUndefined();
    });

    it("never hands a role's hidden fields to it: read, vread, search, history, include, and search by them", async () => {
      const urls = [
        `/fhir/R4/Encounter/${A.encounter}`,
        `/fhir/R4/Encounter/${A.encounter}/_history/1`,
        `/fhir/R4/Encounter/${A.encounter}/_history`,
        `/fhir/R4/Encounter?subject=Patient/${A.id}`,
        `/fhir/R4/Encounter/_history`,
        `/fhir/R4/Patient?_id=${A.id}&_revinclude=Encounter:subject`,
      ];
      for (const url of urls) {
        const answer = await send({ method: 'GET', url, as: 'receptionist' });
        expect(answer.status, `${url}: ${answer.text.slice(0, 200)}`).toBe(200);
        expect(answer.text, url).not.toContain(SECRET_REASON);
        expect(answer.text, url).not.toContain('987654321');
      }
      // Searching by a hidden element would reveal it one guess at a time.
      const oracle = await send({ method: 'GET', url: '/fhir/R4/Encounter?reason-code=987654321', as: 'receptionist' });
      if (oracle.status === 200) expect(oracle.json().entry ?? []).toEqual([]);
      else expectOutcome(oracle, oracle.status === 403 ? 403 : 400);
      // A write cannot change it either.
      const seen = (await send({ method: 'GET', url: `/fhir/R4/Encounter/${A.encounter}`, as: 'receptionist' })).json();
      const put = await send({
        method: 'PUT',
        url: `/fhir/R4/Encounter/${A.encounter}`,
        as: 'receptionist',
        body: { ...seen, reasonCode: [{ text: 'overwritten' }] },
      });
      expect(put.status).toBe(200);
      const stored = (await send({ method: 'GET', url: `/fhir/R4/Encounter/${A.encounter}` })).json();
      expect(stored.reasonCode[0].text).toBe(SECRET_REASON);
    });

    it("lets no role sort by its hidden fields, and no one read values from a next link or replay another's", async () => {
      // The order of a hidden element reveals it too: refused as a search by it is, whichever way.
      for (const sort of ['reason-code', '-reason-code', 'status,-diagnosis']) {
        const url = `/fhir/R4/Encounter?_sort=${sort}&_count=1`;
        const answer = await send({ method: 'GET', url, as: 'receptionist' });
        expectOutcome(answer, 403);
        const code = sort.split(',').at(-1)?.replace(/^-/, '');
        expect(answer.json().issue[0].diagnostics, url).toMatch(
          new RegExp(`'_sort' sorts by '${code}', a parameter over Encounter\\.(reasonCode|diagnosis)`),
        );
        expect(answer.text).not.toContain('987654321');
      }
      // What a next link's cursor holds cannot be read: not the reason it sorts by, not even a visible status.
      const cursorOf = (answer: Answer) => {
        expect(answer.status, answer.text.slice(0, 300)).toBe(200);
        const next = (answer.json().link as { relation: string; url: string }[]).find((l) => l.relation === 'next');
        return new URL(next?.url ?? '', 'http://host').searchParams.get('_cursor') ?? '';
      };
      const byReason = await send({ method: 'GET', url: '/fhir/R4/Encounter?_sort=-reason-code&_count=1' });
      const byStatus = await send({
        method: 'GET',
        url: '/fhir/R4/Encounter?_sort=status&_count=1',
        as: 'receptionist',
      });
      for (const [cursor, value] of [
        [cursorOf(byReason), '987654321'],
        [cursorOf(byStatus), 'finished'],
      ] as const) {
        expect(cursor.length).toBeGreaterThan(0);
        for (const text of [cursor, Buffer.from(cursor, 'base64url').toString('latin1')]) {
          expect(text).not.toContain(value);
          expect(text).not.toContain('"k":');
        }
      }
      // A leaked next link is no one else's: the receptionist cannot follow the administrator's.
      const admins = await send({ method: 'GET', url: '/fhir/R4/Encounter?_sort=status&_count=1' });
      const replayed = await send({
        method: 'GET',
        url: `/fhir/R4/Encounter?_sort=status&_count=1&_cursor=${cursorOf(admins)}`,
        as: 'receptionist',
      });
      expectOutcome(replayed, 400);
      expect(replayed.text).toContain("'_cursor'");
      expect(replayed.text).not.toContain('987654321');
    });

    it('refuses prototype-polluting keys and pollutes nothing', async () => {
      const bodies = [
        '{"resourceType":"Patient","__proto__":{"polluted":true}}',
        '{"resourceType":"Patient","constructor":{"prototype":{"polluted":true}}}',
        '{"resourceType":"Patient","name":[{"family":"x","__proto__":{"polluted":true}}]}',
      ];
      for (const body of bodies) {
        const answer = await send({
          method: 'POST',
          url: '/fhir/R4/Patient',
          body,
          headers: { 'content-type': 'application/fhir+json' },
        });
        expectOutcome(answer, 400);
      }
      const patch = await send({
        method: 'PATCH',
        url: `/fhir/R4/Patient/${A.id}`,
        body: JSON.stringify([{ op: 'add', path: '/__proto__/polluted', value: true }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      expect(patch.status).toBeGreaterThanOrEqual(400);
      expect(patch.status).toBeLessThan(500);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  });

  describe('API4:2023 Unrestricted Resource Consumption', () => {
    it('refuses a body larger than the limit with 413', async () => {
      const big = JSON.stringify(
        patient('Big', { text: { status: 'generated', div: `<div>${'x'.repeat(BODY_LIMIT)}</div>` } }),
      );
      expectOutcome(
        await send({
          method: 'POST',
          url: '/fhir/R4/Patient',
          body: big,
          headers: { 'content-type': 'application/fhir+json' },
        }),
        413,
      );
    });

    it('cuts streamed bodies of unknown length at the limit, with bounded memory', async () => {
      const before = rssMiB();
      const total = 16 * 1024 * 1024;
      for (let i = 0; i < 12; i++) {
        const answer = await streamBody(transport, total);
        expect(answer.status, answer.text).toBe(413);
        expect(outcomeProblems(answer)).toEqual([]);
      }
      // 192 MiB were offered; holding even a fraction of them would show.
      expect(rssMiB() - before).toBeLessThan(96);
      expect((await send({ method: 'GET', url: '/healthz' })).status).toBe(200);
    });

    it('refuses deeply nested JSON with 400 before parsing it', async () => {
      for (const body of [
        '['.repeat(100_000) + ']'.repeat(100_000),
        `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}`,
      ]) {
        const started = Date.now();
        const answer = await send({
          method: 'POST',
          url: '/fhir/R4',
          body,
          headers: { 'content-type': 'application/fhir+json' },
        });
        expectOutcome(answer, 400);
        expect(answer.json().issue[0].code).toBe('too-costly');
        expect(Date.now() - started).toBeLessThan(2_000);
      }
    });

    it('refuses Bundles with more entries than allowed (413), whatever their kind', async () => {
      for (const type of ['transaction', 'batch']) {
        const entry = Array.from({ length: MAX_ENTRIES + 1 }, () => ({
          request: { method: 'GET', url: `Patient/${A.id}` },
        }));
        expectOutcome(
          await send({ method: 'POST', url: '/fhir/R4', body: { resourceType: 'Bundle', type, entry } }),
          413,
        );
      }
    });

    it('refuses a huge, negative or non-numeric _count (400) and never pages beyond the maximum', async () => {
      for (const count of ['100000000', String(MAX_COUNT + 1), '-1', '0', '1e9', 'all', '1.5']) {
        expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Patient?_count=${count}` }), 400);
        expectOutcome(await send({ method: 'GET', url: `/fhir/R4/AuditEvent?_count=${count}` }), 400);
      }
      const page = await send({ method: 'GET', url: `/fhir/R4/AuditEvent?_count=${MAX_COUNT}` });
      expect(page.status).toBe(200);
      expect(page.json().entry.length).toBeLessThanOrEqual(MAX_COUNT);
    });

    it('rate limits per client: 429 with Retry-After once its budget is spent, other clients unaffected', async () => {
      const client = `rate-client-${transport}`;
      const first = bearer(await host.jwt({ sub: `rl-user-1-${transport}`, azp: client, roles: ['clinician'] }));
      const second = bearer(await host.jwt({ sub: `rl-user-2-${transport}`, azp: client, roles: ['clinician'] }));
      const other = bearer(
        await host.jwt({ sub: `rl-user-3-${transport}`, azp: `other-${client}`, roles: ['clinician'] }),
      );
      let limited: Answer | undefined;
      let answered = 0;
      for (let i = 0; i < RATE_MAX + 5 && !limited; i++) {
        const answer = await send({ method: 'GET', url: '/sec-probe/ping', as: i % 2 ? first : second });
        if (answer.status === 429) limited = answer;
        else answered++;
      }
      expect(answered).toBe(RATE_MAX);
      expectOutcome(limited as Answer, 429);
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
      // Both users of the client share its budget; another client and the public endpoints still answer.
      expect((await send({ method: 'GET', url: '/sec-probe/ping', as: first })).status).toBe(429);
      expect((await send({ method: 'GET', url: '/sec-probe/ping', as: other })).status).toBe(200);
      expect((await send({ method: 'GET', url: '/healthz', as: 'anonymous' })).status).toBe(200);
    });

    it('answers 503 with Retry-After when a handler outlives the request timeout', async () => {
      const started = Date.now();
      const answer = await send({ method: 'GET', url: '/sec-probe/slow' });
      expectOutcome(answer, 503);
      expect(answer.headers['retry-after']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    });
  });

  describe('API5:2023 Broken Function Level Authorization', () => {
    it('keeps administration to administrators: /admin/plugins and the audit trail (403 for staff)', async () => {
      for (const role of ['clinician', 'nurse', 'receptionist'] as const) {
        expectOutcome(await send({ method: 'GET', url: '/admin/plugins', as: role }), 403);
        expectOutcome(await send({ method: 'GET', url: '/fhir/R4/AuditEvent', as: role }), 403);
        expectOutcome(await send({ method: 'GET', url: '/fhir/R4/AuditEvent/_history', as: role }), 403);
        expectOutcome(await send({ method: 'GET', url: '/sec-probe/admin', as: role }), 403);
      }
      expectOutcome(await send({ method: 'GET', url: '/admin/plugins', as: 'auditor' }), 403);
      expectOutcome(await send({ method: 'GET', url: '/fhir/R4/AuditEvent', as: asPatient() }), 403);
      expect((await send({ method: 'GET', url: '/admin/plugins' })).status).toBe(200);
      expect((await send({ method: 'GET', url: '/fhir/R4/AuditEvent?_count=1' })).status).toBe(200);
      expect((await send({ method: 'GET', url: '/fhir/R4/AuditEvent?_count=1', as: 'auditor' })).status).toBe(200);
      expect((await send({ method: 'GET', url: '/sec-probe/admin' })).status).toBe(200);
    });

    it('keeps API key management to administrators, and never shows a key or its hash again', async () => {
      const scopedAdmin = bearer(await host.jwt({ roles: ['admin'], scope: 'user/*.read' }));
      const body = { name: `minted ${transport}`, roles: ['admin'] };
      for (const as of ['clinician', 'nurse', 'receptionist', 'auditor', asPatient(), scopedAdmin] as const) {
        expectOutcome(await send({ method: 'GET', url: '/admin/api-keys', as }), 403);
        expectOutcome(await send({ method: 'POST', url: '/admin/api-keys', as, body }), 403);
        expectOutcome(await send({ method: 'DELETE', url: `/admin/api-keys/${patientKey.id}`, as }), 403);
      }
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: asPatient() })).status).toBe(200);

      const minted = await send({
        method: 'POST',
        url: '/admin/api-keys',
        body: { name: `minted ${transport}`, roles: ['nurse'] },
      });
      expect(minted.status).toBe(201);
      const { id, key } = minted.json();
      expect((await send({ method: 'GET', url: `/fhir/R4/Observation/${A.obs}`, as: bearer(key) })).status).toBe(200);
      const list = await send({ method: 'GET', url: '/admin/api-keys' });
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(key);
      expect(list.text).not.toContain(key.slice(3, 20));
      expect(list.text).not.toMatch(/"hash"/);
      expect((await send({ method: 'DELETE', url: `/admin/api-keys/${id}` })).status).toBe(204);
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Observation/${A.obs}`, as: bearer(key) }), 401);

      const invalid: Call[] = [
        { method: 'POST', url: '/admin/api-keys', body: { name: '', roles: [] } },
        { method: 'POST', url: '/admin/api-keys', body: { name: 'x', roles: ['admin'], compartment: ['Patient/a b'] } },
        {
          method: 'POST',
          url: '/admin/api-keys',
          body: { name: 'x', roles: ['admin'], expiresAt: '2000-01-01T00:00:00Z' },
        },
        {
          method: 'POST',
          url: '/admin/api-keys',
          body: { name: 'x', roles: ['admin'], id: 'chosen', key: 'mk_chosen' },
        },
        { method: 'POST', url: '/admin/api-keys', body: '[]', headers: { 'content-type': 'application/json' } },
        { method: 'DELETE', url: '/admin/api-keys/not-a-key-id' },
        { method: 'DELETE', url: `/admin/api-keys/${'9'.repeat(36)}` },
      ];
      for (const call of invalid) {
        const answer = await send(call);
        const what = `${call.method} ${call.url} ${JSON.stringify(call.body)}: ${answer.status} ${answer.text.slice(0, 200)}`;
        expect([400, 404], what).toContain(answer.status);
        expect(outcomeProblems(answer), what).toEqual([]);
      }
    });

    it('refuses each role the functions it was not given', async () => {
      const refused: [NonNullable<Call['as']>, string, string, unknown?][] = [
        ['clinician', 'DELETE', `/fhir/R4/Patient/${A.id}`],
        ['clinician', 'POST', '/fhir/R4/Patient', patient()],
        ['receptionist', 'GET', `/fhir/R4/Observation/${A.obs}`],
        ['receptionist', 'POST', '/fhir/R4/Observation', observation(A.id)],
        [
          'nurse',
          'POST',
          '/fhir/R4/MedicationRequest',
          {
            resourceType: 'MedicationRequest',
            status: 'active',
            intent: 'order',
            subject: { reference: `Patient/${A.id}` },
            medicationCodeableConcept: { text: 'x' },
          },
        ],
        ['auditor', 'GET', `/fhir/R4/Patient/${A.id}`],
        ['auditor', 'POST', '/fhir/R4/Patient', patient()],
        [asPatient(), 'PUT', `/fhir/R4/Patient/${A.id}`, { ...patient(A.family), id: A.id }],
        [asPatient(), 'POST', '/fhir/R4/Observation', observation(A.id)],
      ];
      for (const [as, method, url, body] of refused) {
        const answer = await send({ method, url, as, ...(body === undefined ? {} : { body }) });
        expect(answer.status, `${String(as).slice(0, 20)} ${method} ${url}: ${answer.text}`).toBe(403);
        expect(outcomeProblems(answer)).toEqual([]);
      }
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}` })).status).toBe(200);
    });

    it('narrows a role by its SMART scopes; a narrowed administrator is not an administrator', async () => {
      const reader = bearer(await host.jwt({ roles: ['clinician'], scope: 'user/Patient.read' }));
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: reader })).status).toBe(200);
      expectOutcome(
        await send({ method: 'POST', url: '/fhir/R4/Observation', as: reader, body: observation(A.id) }),
        403,
      );
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Observation/${A.obs}`, as: reader }), 403);
      const scopedAdmin = bearer(await host.jwt({ roles: ['admin'], scope: 'user/*.read' }));
      expectOutcome(await send({ method: 'GET', url: '/admin/plugins', as: scopedAdmin }), 403);
      expectOutcome(await send({ method: 'DELETE', url: `/fhir/R4/Patient/${B.id}`, as: scopedAdmin }), 403);
      const unknownRole = bearer(await host.jwt({ roles: ['superuser', 'root'] }));
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: unknownRole }), 403);
    });

    it('ignores method-override headers', async () => {
      for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
        const answer = await send({
          method: 'POST',
          url: `/fhir/R4/Patient/${A.id}`,
          as: 'clinician',
          body: patient(),
          headers: { [header]: 'DELETE' },
        });
        expect(answer.status).toBe(405);
      }
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}` })).status).toBe(200);
    });
  });

  describe('API6:2023 Unrestricted Access to Sensitive Business Flows', () => {
    it('bounds bulk harvesting: every page is capped and every page read is audited', async () => {
      const token = await host.jwt({ sub: `harvester-${transport}`, roles: ['clinician'] });
      const before = await auditEvents(host, { agent: `harvester-${transport}` });
      let url: string | undefined = '/fhir/R4/Patient?_count=2';
      let pages = 0;
      while (url && pages < 5) {
        const answer = await send({ method: 'GET', url, as: bearer(token) });
        expect(answer.status).toBe(200);
        expect((answer.json().entry ?? []).length).toBeLessThanOrEqual(2);
        const next = answer.json().link?.find((link: { relation: string }) => link.relation === 'next')?.url;
        url = next ? new URL(next).pathname + new URL(next).search : undefined;
        pages++;
      }
      expect(pages).toBeGreaterThan(1);
      const after = await auditEvents(host, { agent: `harvester-${transport}` });
      expect(after.length - before.length).toBe(pages);
      expect(after.slice(0, pages).every((event) => interactionOf(event) === 'search-type')).toBe(true);
    });

    it('never lets staff erase records; an administrator delete keeps the history', async () => {
      const created = await send({ method: 'POST', url: '/fhir/R4/Observation', as: 'nurse', body: observation(A.id) });
      const id = created.json().id;
      for (const role of ['clinician', 'nurse', 'receptionist', 'auditor'] as const) {
        expectOutcome(await send({ method: 'DELETE', url: `/fhir/R4/Observation/${id}`, as: role }), 403);
      }
      expect((await send({ method: 'DELETE', url: `/fhir/R4/Observation/${id}` })).status).toBeLessThan(300);
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Observation/${id}` }), 410);
      expect((await send({ method: 'GET', url: `/fhir/R4/Observation/${id}/_history/1` })).status).toBe(200);
    });

    it('keeps the audit trail append-only: nobody, not even an administrator, writes or erases it', async () => {
      const [event] = (await send({ method: 'GET', url: '/fhir/R4/AuditEvent?_count=1' }))
        .json()
        .entry.map((entry: { resource: object }) => entry.resource);
      const id = event?.id as string;
      const attempts: Call[] = [
        { method: 'POST', url: '/fhir/R4/AuditEvent', body: { ...event, id: undefined } },
        { method: 'PUT', url: `/fhir/R4/AuditEvent/${id}`, body: { ...event, outcome: '0' } },
        {
          method: 'PATCH',
          url: `/fhir/R4/AuditEvent/${id}`,
          body: JSON.stringify([{ op: 'replace', path: '/outcome', value: '0' }]),
          headers: { 'content-type': 'application/json-patch+json' },
        },
        { method: 'DELETE', url: `/fhir/R4/AuditEvent/${id}` },
        {
          method: 'POST',
          url: '/fhir/R4',
          body: {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [{ request: { method: 'DELETE', url: `AuditEvent/${id}` } }],
          },
        },
      ];
      for (const call of attempts) {
        for (const as of ['admin', 'auditor'] as const) {
          const answer = await send({ ...call, as });
          expect(answer.status, `${as} ${call.method} ${call.url}: ${answer.text.slice(0, 200)}`).toBe(403);
        }
      }
      expect((await send({ method: 'GET', url: `/fhir/R4/AuditEvent/${id}` })).json()).toEqual(event);
    });
  });

  describe('API7:2023 Server Side Request Forgery', () => {
    it('stores or refuses absolute references to another server, but never fetches them', async () => {
      const remote = `${trap.url}/fhir/R4/Patient/remote-1`;
      const writes: Call[] = [
        {
          method: 'POST',
          url: '/fhir/R4/Observation',
          body: observation(A.id, {
            subject: { reference: remote },
            derivedFrom: [{ reference: `${trap.url}/fhir/R4/Observation/x` }],
          }),
        },
        {
          method: 'POST',
          url: '/fhir/R4/Patient',
          body: patient('Photo', {
            photo: [{ url: `${trap.url}/photo.png` }],
            managingOrganization: { reference: `${trap.url}/Organization/1` },
          }),
        },
        {
          method: 'POST',
          url: '/fhir/R4/DocumentReference',
          body: {
            resourceType: 'DocumentReference',
            status: 'current',
            subject: { reference: `Patient/${A.id}` },
            content: [{ attachment: { url: `${trap.url}/doc.pdf`, contentType: 'application/pdf' } }],
          },
        },
        {
          method: 'POST',
          url: '/fhir/R4/Patient',
          body: patient('Profiled', {
            meta: { profile: [`${trap.url}/StructureDefinition/p`] },
            implicitRules: `${trap.url}/rules`,
          }),
        },
        {
          method: 'POST',
          url: '/fhir/R4/Patient',
          body: patient('Conditional'),
          headers: { 'if-none-exist': `identifier=${trap.url}|1` },
        },
      ];
      for (const call of writes) {
        const answer = await send(call);
        expect(answer.status, `${call.url}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
      }
      const reads = [
        `/fhir/R4/Observation?subject=${encodeURIComponent(remote)}`,
        `/fhir/R4/Observation?subject=${encodeURIComponent(remote)}&_include=Observation:subject`,
        `/fhir/R4/Observation?subject:Patient.family=x&subject=${encodeURIComponent(remote)}`,
        `/fhir/R4/Patient?_profile=${encodeURIComponent(`${trap.url}/StructureDefinition/p`)}`,
        `/fhir/R4/Patient?_format=${encodeURIComponent(trap.url)}`,
        `/fhir/R4/Patient/${A.id}?_format=${encodeURIComponent(`${trap.url}/x`)}`,
        `/fhir/R4/Observation?_include=${encodeURIComponent(`${trap.url}/x`)}`,
      ];
      for (const url of reads) {
        const answer = await send({ method: 'GET', url });
        expect(answer.status, `${url}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
      }
      expect(trap.hits).toEqual([]);
    });

    it('builds its links from its own configuration, not from Host or X-Forwarded-* headers', async () => {
      const created = await send({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient('Hosted'),
        headers: { 'x-forwarded-host': trap.host, 'x-forwarded-proto': 'http', forwarded: `host=${trap.host}` },
      });
      expect(created.status).toBe(201);
      expect(created.headers.location?.startsWith(`${host.server.url}/fhir/R4/Patient/`)).toBe(true);
      const search = await send({
        method: 'GET',
        url: '/fhir/R4/Patient?_count=1',
        headers: { 'x-forwarded-host': trap.host },
      });
      const links = [
        ...search.json().link.map((link: { url: string }) => link.url),
        ...search.json().entry.map((entry: { fullUrl: string }) => entry.fullUrl),
      ];
      for (const link of links) expect(link.startsWith(`${host.server.url}/fhir/R4/`), link).toBe(true);
      expect(trap.hits).toEqual([]);
    });
  });

  describe('API8:2023 Security Misconfiguration', () => {
    const expectSecurityHeaders = (answer: Answer, what: string) => {
      const h = answer.headers;
      expect(h['x-content-type-options'], what).toBe('nosniff');
      expect(h['strict-transport-security'], what).toMatch(/max-age=\d{7,}/);
      expect(h['x-frame-options'], what).toBeDefined();
      expect(h['content-security-policy'], what).toMatch(/frame-ancestors 'none'/);
      expect(h['content-security-policy'], what).toMatch(/default-src 'self'/);
      expect(h['referrer-policy'], what).toBe('no-referrer');
      expect(h['cross-origin-resource-policy'], what).toBe('same-origin');
      expect(h['x-powered-by'], what).toBeUndefined();
      expect(h.server, what).toBeUndefined();
    };

    it('sends security headers on every kind of answer', async () => {
      const calls: Call[] = [
        { method: 'GET', url: `/fhir/R4/Patient/${A.id}` },
        { method: 'POST', url: '/fhir/R4/Patient', body: patient() },
        { method: 'GET', url: '/fhir/R4/Patient/does-not-exist' },
        { method: 'GET', url: '/fhir/R4/metadata', as: 'anonymous' },
        { method: 'GET', url: '/healthz', as: 'anonymous' },
        { method: 'GET', url: '/openapi.json', as: 'anonymous' },
        { method: 'GET', url: '/docs', as: 'anonymous' },
        { method: 'GET', url: '/fhir/R4/Patient', as: 'anonymous' },
        { method: 'GET', url: '/nowhere' },
        { method: 'POST', url: '/fhir/R4/Patient', body: '{', headers: { 'content-type': 'application/fhir+json' } },
        { method: 'GET', url: '/sec-probe/boom' },
      ];
      for (const call of calls) expectSecurityHeaders(await send(call), `${call.method} ${call.url}`);
    });

    it('allows no browser origin by default (CORS)', async () => {
      const origin = 'https://evil.example';
      const simple = await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, headers: { origin } });
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await send({
        method: 'OPTIONS',
        url: `/fhir/R4/Patient/${A.id}`,
        as: 'anonymous',
        headers: {
          origin,
          'access-control-request-method': 'DELETE',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
      expect(preflight.status).toBeGreaterThanOrEqual(400);
    });

    it('answers every error with an OperationOutcome that has no stack trace, internal path or SQL', async () => {
      const errors: [Call, number][] = [
        [{ method: 'GET', url: '/sec-probe/boom' }, 500],
        [{ method: 'GET', url: '/nowhere' }, 404],
        [{ method: 'GET', url: '/fhir/R4/NotAType/1' }, 404],
        [{ method: 'GET', url: '/fhir/R4/Patient/bad$id' }, 400],
        [{ method: 'GET', url: `/fhir/R4/Patient/${'x'.repeat(65)}` }, 400],
        [{ method: 'GET', url: '/fhir/R4/Patient/unknown-id' }, 404],
        [{ method: 'DELETE', url: '/fhir/R4/Patient' }, 405],
        [
          {
            method: 'POST',
            url: '/fhir/R4/Patient',
            body: '{"resourceType":',
            headers: { 'content-type': 'application/fhir+json' },
          },
          400,
        ],
        [
          {
            method: 'POST',
            url: '/fhir/R4/Patient',
            body: '<Patient/>',
            headers: { 'content-type': 'application/fhir+xml' },
          },
          415,
        ],
        [{ method: 'POST', url: '/fhir/R4/Patient', body: 'x', headers: { 'content-type': 'text/plain' } }, 415],
        [{ method: 'POST', url: '/fhir/R4/Patient', body: { resourceType: 'Patient', gender: 42 } }, 400],
        [{ method: 'POST', url: '/fhir/R4/Patient', body: { resourceType: 'Observation' } }, 400],
        [{ method: 'GET', url: "/fhir/R4/Patient?name=x'%20or%20'1'%3D'1" }, 200],
        [{ method: 'GET', url: "/fhir/R4/Patient?name=x');select%20pg_sleep(5);--" }, 200],
        [{ method: 'GET', url: '/fhir/R4/Patient?birthdate=not-a-date' }, 400],
        [{ method: 'GET', url: '/fhir/R4/Patient?_sort=%27%3Bselect' }, 400],
        [{ method: 'GET', url: '/fhir/R4/Patient?_cursor=AAAA' }, 400],
        [{ method: 'GET', url: '/fhir/R4/Patient?unknown-parameter=1' }, 400],
        [{ method: 'GET', url: '/fhir/R4/Patient?_has:Observation:subject:code=1' }, 400],
        [{ method: 'PUT', url: `/fhir/R4/Patient/${A.id}`, body: patient(), headers: { 'if-match': 'W/"999"' } }, 400],
        [{ method: 'PATCH', url: `/fhir/R4/Patient/${A.id}`, body: patient() }, 415],
        [
          {
            method: 'PATCH',
            url: `/fhir/R4/Patient/${A.id}`,
            body: '[{"op":"nope"}]',
            headers: { 'content-type': 'application/json-patch+json' },
          },
          400,
        ],
        [
          {
            method: 'POST',
            url: '/fhir/R4',
            body: {
              resourceType: 'Bundle',
              type: 'transaction',
              entry: [{ request: { method: 'GET', url: '../../etc/passwd' } }],
            },
          },
          400,
        ],
        [{ method: 'GET', url: '/fhir/R4/Patient/$everything' }, 404],
        [{ method: 'GET', url: '/admin/plugins', as: 'clinician' }, 403],
        [{ method: 'GET', url: '/fhir/R4/Patient', as: 'raw:Bearer mk_nope' }, 401],
      ];
      for (const [call, status] of errors) {
        const answer = await send(call);
        const what = `${call.method} ${call.url}: ${answer.text.slice(0, 300)}`;
        if (status === 200) {
          expect(answer.status, what).toBeLessThan(500);
          expect(leaksIn(answer.text), what).toEqual([]);
          continue;
        }
        if (status === 400) expect([400, 409, 412, 422], what).toContain(answer.status);
        else expect(answer.status, what).toBe(status);
        expect(outcomeProblems(answer), what).toEqual([]);
        expect(answer.text).not.toContain(INTERNAL_MESSAGE.slice(0, 12));
      }
    });
  });

  describe('API9:2023 Improper Inventory Management', () => {
    it('documents every route it serves, and serves every route it documents', async () => {
      const documented = await documentedOperations();
      const key = (method: string, url: string) => `${method} ${url}`;
      const documentedKeys = new Set(documented.map((op) => key(op.method, op.template)));
      for (const op of documented)
        expect(
          host.server.app.hasRoute({ method: op.method as 'GET', url: op.template.replace(/\{(\w+)\}/g, ':$1') }),
          key(op.method, op.template),
        ).toBe(true);
      // Every mounted route that is not documented is the API reference itself or a 405 answer.
      for (const { method, path } of mountedRoutes()) {
        const template = path.replace(/:(\w+)/g, '{$1}');
        if (method === 'HEAD' || documentedKeys.has(key(method, template))) continue;
        if (path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/')) continue;
        const url = path.replace(':type', 'Patient').replace(':id', A.id).replace(':vid', '1');
        const answer = await send({
          method,
          url,
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: patient() }),
        });
        expect([404, 405], `${method} ${path} is served but not documented: ${answer.status}`).toContain(answer.status);
      }
      expect(documentedKeys.has('GET /sec-probe/ping')).toBe(true);
    });

    it('neither documents nor serves anything of a plugin that failed to start', async () => {
      const openapi = await send({ method: 'GET', url: '/openapi.json', as: 'anonymous' });
      expect(openapi.status).toBe(200);
      expect(openapi.text).not.toContain('/sec-broken');
      expect(openapi.text).toContain('/sec-probe/ping');
      const metadata = await send({ method: 'GET', url: '/fhir/R4/metadata', as: 'anonymous' });
      expect(metadata.text).not.toContain('sec-broken');
      expect(metadata.text).toContain('/sec-probe/ping');
      const served = await send({ method: 'GET', url: '/sec-broken/patients' });
      expectOutcome(served, 404);
      expectNoDataOf(served, A);
      const plugins = (await send({ method: 'GET', url: '/admin/plugins' })).json();
      expect(plugins.plugins.find((p: { id: string }) => p.id === 'sec-broken').status).toBe('failed');
      const ready = await send({ method: 'GET', url: '/readyz', as: 'anonymous' });
      expect(ready.status).toBe(503);
      expect(ready.text).toContain('sec-broken');
    });
  });

  describe('API10:2023 Unsafe Consumption of APIs', () => {
    it('never fetches URLs that tokens carry (jku, x5u, iss, fhirUser)', async () => {
      const headers = { jku: `${trap.url}/jwks.json`, x5u: `${trap.url}/cert.pem`, kid: `${trap.url}/kid` };
      const signed = await host.jwt({ roles: ['clinician'] }, headers);
      expect((await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(signed) })).status).toBe(200);
      const forged = await host.forger.sign({ roles: ['admin'] });
      const [, payload, signature] = forged.split('.');
      const withJku = `${Buffer.from(JSON.stringify({ alg: 'ES256', ...headers })).toString('base64url')}.${payload}.${signature}`;
      expectOutcome(await send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: bearer(withJku) }), 401);
      expectOutcome(
        await send({
          method: 'GET',
          url: `/fhir/R4/Patient/${A.id}`,
          as: bearer(await host.jwt({ roles: ['admin'], iss: trap.url })),
        }),
        401,
      );
      const fhirUser = await host.jwt({ roles: ['patient'], fhirUser: `${trap.url}/fhir/R4/Patient/${A.id}` });
      const answer = await send({ method: 'GET', url: `/fhir/R4/Patient/${B.id}`, as: bearer(fhirUser) });
      expect([401, 403]).toContain(answer.status);
      expectNoDataOf(answer, B, `Patient/${B.id}`);
      expect(trap.hits).toEqual([]);
    });

    it("validates the identity provider's claims instead of trusting them", async () => {
      const claims: Record<string, unknown>[] = [
        { roles: ['patient'], patient: `${A.id},${B.id}` },
        { roles: ['patient'], patient: `Patient/${A.id}' or '1'='1` },
        { roles: ['patient'], patient: { reference: `Patient/${B.id}` } },
        { roles: ['patient'], patient: 42 },
        { roles: ['patient'], patient: '' },
        { roles: ['ward-nurse'], ward_patients: '*' },
        { roles: ['ward-nurse'], ward_patients: [`Patient/${A.id}`, { all: true }] },
        { roles: { admin: true } },
        { roles: 'admin clinician', realm_access: { roles: 'x' } },
        { roles: ['patient'] },
      ];
      for (const claim of claims) {
        const token = await host.jwt(claim);
        const answer = await send({ method: 'GET', url: `/fhir/R4/Observation/${B.obs}`, as: bearer(token) });
        const what = `${JSON.stringify(claim)}: ${answer.status} ${answer.text.slice(0, 200)}`;
        if (JSON.stringify(claim) === '{"roles":"admin clinician","realm_access":{"roles":"x"}}') {
          // Space-separated roles are a documented form: this one is an administrator.
          expect(answer.status, what).toBe(200);
          continue;
        }
        expect([401, 403], what).toContain(answer.status);
        expect(outcomeProblems(answer), what).toEqual([]);
        expectNoDataOf(answer, B, `${JSON.stringify(claim)} ${B.obs}`);
      }
    });

    it('processes Bundle entries naming other servers locally or refuses them, never following them', async () => {
      const bundle = (type: string) => ({
        resourceType: 'Bundle',
        type,
        entry: [
          {
            fullUrl: `${trap.url}/fhir/R4/Patient/ext-1`,
            resource: patient('External'),
            request: { method: 'POST', url: 'Patient' },
          },
          { request: { method: 'GET', url: `${trap.url}/fhir/R4/Patient/ext-1` } },
          { request: { method: 'GET', url: `//${trap.host}/fhir/R4/Patient` } },
          {
            fullUrl: 'urn:uuid:8c1d7a3e-2d9f-4d3f-9c1b-1a2b3c4d5e6f',
            resource: observation(A.id, { subject: { reference: `${trap.url}/Patient/1` } }),
            request: { method: 'POST', url: `${trap.url}/Observation` },
          },
        ],
      });
      for (const type of ['batch', 'transaction']) {
        const answer = await send({ method: 'POST', url: '/fhir/R4', body: bundle(type) });
        expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        expect(leaksIn(answer.text)).toEqual([]);
      }
      expect(trap.hits).toEqual([]);
    });
  });
});

// Last: once an address has failed too often, every further failure from it is a 429 for the rest of the window.
describe('API2:2023 Broken Authentication: guessing credentials', () => {
  it.each(transports)('limits failed authentications per address over %s (429 with Retry-After)', async (transport) => {
    // inject() can pretend another address; fetch comes from 127.0.0.1, which no other test fails from after this.
    const from = transport === 'inject' ? { remoteAddress: '127.0.0.9' } : {};
    let limited: Answer | undefined;
    let failures = 0;
    while (!limited && failures <= RATE_MAX) {
      const answer = await host.send(
        { method: 'GET', url: '/fhir/R4/Patient', as: bearer(`mk_guess${failures}`), ...from },
        transport,
      );
      if (answer.status === 429) limited = answer;
      else {
        expect(answer.status).toBe(401);
        failures++;
      }
    }
    // Over fetch, earlier tests' refusals from 127.0.0.1 already count.
    if (transport === 'inject') expect(failures).toBe(RATE_MAX);
    expectOutcome(limited as Answer, 429);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    // Valid credentials from the same address still work (a hospital's users share its NAT address).
    const valid = await host.send(
      { method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: 'clinician', ...from },
      transport,
    );
    expect(valid.status).toBe(200);
    if (transport === 'inject') {
      const elsewhere = await host.send({
        method: 'GET',
        url: '/fhir/R4/Patient',
        as: bearer('mk_guess'),
        remoteAddress: '127.0.0.10',
      });
      expect(elsewhere.status).toBe(401);
    }
  });
});

describe('after every risk', () => {
  it('the trap server saw no request, and the server still answers', async () => {
    expect(trap.hits).toEqual([]);
    for (const transport of transports) {
      expect((await host.send({ method: 'GET', url: '/healthz', as: 'anonymous' }, transport)).status).toBe(200);
      expect(
        (await host.send({ method: 'GET', url: `/fhir/R4/Patient/${A.id}`, as: 'auditor' }, transport)).status,
      ).toBe(403);
    }
  });
});

const PUBLIC = new Set(['/healthz', '/readyz', '/openapi.json', '/docs', '/fhir/R4/metadata']);
function isPublic(url: string): boolean {
  return PUBLIC.has(url.split('?')[0] as string);
}

/** The operations of the OpenAPI document, with a URL to call each (parameters filled in). */
async function documentedOperations(): Promise<{ method: string; template: string; url: string }[]> {
  const document = (await host.send({ method: 'GET', url: '/openapi.json', as: 'anonymous' })).json();
  const operations: { method: string; template: string; url: string }[] = [];
  for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) {
      if (method === 'parameters') continue;
      const url = template
        .replace('{type}', 'Patient')
        .replace('{id}', A.id)
        .replace('{vid}', '1')
        .replace(/\{\w+\}/g, 'x');
      operations.push({ method: method.toUpperCase(), template, url });
    }
  }
  return operations;
}

/** Every (method, path) Fastify has mounted, read from its route tree. */
function mountedRoutes(): { method: string; path: string }[] {
  const tree = host.server.app.printRoutes({ commonPrefix: false });
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    stack.length = depth;
    stack.push(match[2] as string);
    const path = stack.join('');
    for (const method of (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean))
      routes.push({ method, path });
  }
  return routes;
}

/** Sends a body of `total` bytes without a declared length, produced lazily. */
async function streamBody(transport: Transport, total: number): Promise<Answer> {
  const headers = { authorization: `Bearer ${host.keys.admin}`, 'content-type': 'application/fhir+json' };
  if (transport === 'inject') {
    async function* chunks() {
      const reader = lazyBody(total).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield Buffer.from(value);
      }
    }
    const response = await host.server.app.inject({
      method: 'POST',
      url: '/fhir/R4',
      headers,
      payload: Readable.from(chunks()),
    });
    return {
      status: response.statusCode,
      headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
      text: response.body,
      json: () => JSON.parse(response.body),
    };
  }
  const response = await fetch(`${host.server.url}/fhir/R4`, {
    method: 'POST',
    headers,
    body: lazyBody(total),
    duplex: 'half',
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, headers: Object.fromEntries(response.headers), text, json: () => JSON.parse(text) };
}
