import { beforeAll, describe, expect, it } from 'vitest';
import { outcomeProblems } from './support/outcome.js';
import { type Answer, type Backend, patient, type SecurityHost, startSecurityHost } from './support/security-host.js';

// Bad input over HTTP, on both backends: values longer than a B-tree entry, text that is not Unicode, narrative
// XML that FHIR leaves out, elements of 200,000 items. Each is a 4xx OperationOutcome naming the element with
// nothing written, or (long values) stored whole and found by the whole value. None is ever a 500.

/** Letters that do not compress, so that a B-tree entry would really be as long as the text. */
function letters(length: number, seed: number): string {
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(97 + (state % 26));
  }
  return out;
}

/** The answer is a 4xx OperationOutcome with an issue whose expression is `element`. */
function expectRefusal(answer: Answer, status: number, element: string): void {
  expect({ status: answer.status, text: answer.text.slice(0, 400) }).toMatchObject({ status });
  expect(outcomeProblems(answer)).toEqual([]);
  const expressions = answer.json().issue.flatMap((issue: { expression?: string[] }) => issue.expression ?? []);
  expect(expressions).toContain(element);
}

describe.each<Backend>(['pglite', 'postgres'])('bad input on %s', (backend) => {
  let host: SecurityHost;
  beforeAll(async () => {
    host = await startSecurityHost({ backend });
  }, 60_000);

  const searchIds = async (url: string) => {
    const answer = await host.send({ method: 'GET', url });
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    return (answer.json().entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
  };
  const post = (url: string, body: unknown) => host.send({ method: 'POST', url, body });

  it('long values at indexed paths are stored whole and found by the whole value, however they are written', async () => {
    const value = letters(3000, 1);
    const system = `urn:${letters(3000, 2)}`;
    const family = letters(3000, 3);
    const created = await post(
      '/fhir/R4/Patient',
      patient(family, {
        identifier: [{ system, value }],
        telecom: [{ system: 'phone', value: letters(3000, 4) }],
        generalPractitioner: [{ reference: `P${letters(3000, 5)}/dr-1` }],
      }),
    );
    expect(created.status, created.text.slice(0, 300)).toBe(201);
    const id = created.json().id;
    expect(created.json().identifier[0].value).toBe(value);
    expect(await searchIds(`/fhir/R4/Patient?identifier=${system}|${value}`)).toEqual([id]);
    expect(await searchIds(`/fhir/R4/Patient?family=${family}`)).toEqual([id]);
    expect(await searchIds(`/fhir/R4/Patient?family:exact=${family}`)).toEqual([id]);
    expect(await searchIds(`/fhir/R4/Patient?telecom=${letters(3000, 4)}`)).toEqual([id]);
    expect(await searchIds(`/fhir/R4/Patient?general-practitioner=P${letters(3000, 5)}/dr-1`)).toEqual([id]);
    const byPost = await host.send({
      method: 'POST',
      url: '/fhir/R4/Patient/_search',
      body: `family=${family}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(byPost.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([id]);

    const unit = letters(3000, 6);
    const code = letters(3000, 7);
    const observation = await post('/fhir/R4/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: `http://${letters(3000, 8)}`, code }] },
      valueQuantity: { value: 7.5, unit, system: 'http://unitsofmeasure.org' },
    });
    expect(observation.status, observation.text.slice(0, 300)).toBe(201);
    expect(await searchIds(`/fhir/R4/Observation?code=http://${letters(3000, 8)}|${code}`)).toEqual([
      observation.json().id,
    ]);
    expect(await searchIds(`/fhir/R4/Observation?value-quantity=7.5|http://unitsofmeasure.org|${unit}`)).toEqual([
      observation.json().id,
    ]);
    const url = `http://example.org/${letters(3000, 9)}`;
    const valueSet = await post('/fhir/R4/ValueSet', { resourceType: 'ValueSet', status: 'draft', url });
    expect(valueSet.status, valueSet.text.slice(0, 300)).toBe(201);
    expect(await searchIds(`/fhir/R4/ValueSet?url=${url}`)).toEqual([valueSet.json().id]);

    // An update, a patch, a conditional update and a transaction with a conditional create.
    const updated = letters(3000, 10);
    const put = await host.send({
      method: 'PUT',
      url: `/fhir/R4/Patient/${id}`,
      body: { ...created.json(), name: [{ family: updated }] },
    });
    expect(put.status, put.text.slice(0, 300)).toBe(200);
    expect(await searchIds(`/fhir/R4/Patient?family=${updated}`)).toEqual([id]);
    const patched = letters(3000, 11);
    const patch = await host.send({
      method: 'PATCH',
      url: `/fhir/R4/Patient/${id}`,
      body: JSON.stringify([{ op: 'replace', path: '/name/0/family', value: patched }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patch.status, patch.text.slice(0, 300)).toBe(200);
    expect(await searchIds(`/fhir/R4/Patient?family=${patched}`)).toEqual([id]);
    const conditional = letters(3000, 12);
    const upsert = await host.send({
      method: 'PUT',
      url: `/fhir/R4/Patient?identifier=${conditional}`,
      body: patient('Upsert', { identifier: [{ value: conditional }] }),
    });
    expect(upsert.status, upsert.text.slice(0, 300)).toBe(201);
    const again = await host.send({
      method: 'PUT',
      url: `/fhir/R4/Patient?identifier=${conditional}`,
      body: patient('Upsert', { identifier: [{ value: conditional }], gender: 'male' }),
    });
    expect({ status: again.status, id: again.json().id }).toEqual({ status: 200, id: upsert.json().id });
    const inBundle = letters(3000, 13);
    const transaction = await post('/fhir/R4', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: patient(inBundle), request: { method: 'POST', url: 'Patient' } }],
    });
    expect(transaction.status, transaction.text.slice(0, 300)).toBe(200);
    expect(await searchIds(`/fhir/R4/Patient?family=${inBundle}`)).toHaveLength(1);
    const ifNoneExist = letters(3000, 14);
    const createOnce = () =>
      host.send({
        method: 'POST',
        url: '/fhir/R4/Patient',
        body: patient('Once', { identifier: [{ value: ifNoneExist }] }),
        headers: { 'if-none-exist': `identifier=${ifNoneExist}` },
      });
    expect((await createOnce()).status).toBe(201);
    expect((await createOnce()).status).toBe(200); // found by its 3 KB identifier: not created again
    expect(await searchIds(`/fhir/R4/Patient?identifier=${ifNoneExist}`)).toHaveLength(1);
  });

  it('search values of 3 KB are answered, never with a 500', async () => {
    const long = letters(3000, 20);
    for (const query of [
      `name=${long}`,
      `name:contains=${long}`,
      `identifier=${long}|${long}`,
      `telecom=${long}`,
      `general-practitioner=${long}`,
      `general-practitioner=Practitioner/${long}`,
      `_id=${long}`,
      `birthdate=${long}`,
      `organization.name=${long}`,
    ]) {
      const answer = await host.send({ method: 'GET', url: `/fhir/R4/Patient?${query}` });
      expect(answer.status, `${query.slice(0, 40)} -> ${answer.text.slice(0, 200)}`).toBeLessThan(500);
      if (answer.status >= 400) expect(outcomeProblems(answer)).toEqual([]);
    }
  });

  it('a token whose sub is 3 KB is answered, never with a 500 (its audit record could not be written)', async () => {
    const token = await host.jwt({ sub: letters(3000, 21), scope: 'user/*.read' });
    const answer = await host.send({ method: 'GET', url: '/fhir/R4/Patient', as: `raw:Bearer ${token}` });
    expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
    if (answer.status >= 400) expect(outcomeProblems(answer)).toEqual([]);
  });

  it('text that is not valid Unicode is a 400 naming the element, and nothing is written', async () => {
    const marker = `unicode-${backend}`;
    const bad = (family: string) => patient(family, { identifier: [{ system: 'urn:marker', value: marker }] });
    for (const family of ['Nguy\uD800n', '\uDC00', 'a\u0000b']) {
      expectRefusal(await post('/fhir/R4/Patient', bad(family)), 400, 'Patient.name[0].family');
      expectRefusal(
        await host.send({
          method: 'PUT',
          url: `/fhir/R4/Patient/u-${backend}`,
          body: { ...bad(family), id: `u-${backend}` },
        }),
        400,
        'Patient.name[0].family',
      );
      expectRefusal(
        await host.send({ method: 'PUT', url: `/fhir/R4/Patient?identifier=urn:marker|${marker}`, body: bad(family) }),
        400,
        'Patient.name[0].family',
      );
      const transaction = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: patient('Fine', { identifier: [{ system: 'urn:marker', value: marker }] }),
            request: { method: 'POST', url: 'Patient' },
          },
          { resource: bad(family), request: { method: 'POST', url: 'Patient' } },
        ],
      };
      expectRefusal(await post('/fhir/R4', transaction), 400, 'Bundle.entry[1].resource.name[0].family');
    }
    // In an element name, which the issue quotes: its audit record holds U+FFFD instead (jsonb refuses it).
    const key = await host.send({
      method: 'POST',
      url: '/fhir/R4/Patient',
      body: '{"resourceType":"Patient","fam\\ud800ily":"x"}',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expectRefusal(key, 400, 'Patient.fam\uD800ily');
    const existing = (await post('/fhir/R4/Patient', patient('Patched'))).json().id;
    const patch = await host.send({
      method: 'PATCH',
      url: `/fhir/R4/Patient/${existing}`,
      body: JSON.stringify([
        { op: 'replace', path: '/name/0/family', value: 'x\uD800' },
        { op: 'add', path: '/identifier', value: [{ system: 'urn:marker', value: marker }] },
      ]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expectRefusal(patch, 422, 'Patient.name[0].family'); // the patch is fine, the resource it makes is not
    expect(await searchIds(`/fhir/R4/Patient?identifier=urn:marker|${marker}`)).toEqual([]);
  });

  it('narrative with a DOCTYPE, a processing instruction or an HTML entity is a 400 naming the div', async () => {
    const marker = `narrative-${backend}`;
    const div = (inner: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
    for (const xhtml of [
      `<!DOCTYPE div>${div('a')}`,
      `<!DOCTYPE div [<!ENTITY a SYSTEM "file:///etc/passwd">]>${div('&a;')}`,
      `<!DOCTYPE div [<!ENTITY % a SYSTEM "http://127.0.0.1:1/x"> %a;]>${div('a')}`,
      `<!DOCTYPE div [<!ENTITY a "&b;&b;&b;"><!ENTITY b "&c;&c;&c;"><!ENTITY c "lol">]>${div('&a;')}`,
      div('<?php echo 1 ?>'),
      div('&nbsp;'),
      div('<![CDATA[><script>alert(1)</script>]]>'),
      div(`${'<b>'.repeat(101)}deep${'</b>'.repeat(101)}`),
    ]) {
      const body = patient('Narrated', {
        identifier: [{ system: 'urn:marker', value: marker }],
        text: { status: 'generated', div: xhtml },
      });
      expectRefusal(await post('/fhir/R4/Patient', body), 400, 'Patient.text.div');
    }
    expect(await searchIds(`/fhir/R4/Patient?identifier=urn:marker|${marker}`)).toEqual([]);
  });

  it('elements of 200,000 items overflow nothing: refused naming the element when indexed, else stored', async () => {
    const marker = `wide-${backend}`;
    const identifier = Array.from({ length: 200_000 }, (_, i) => ({ value: i === 0 ? marker : String(i) }));
    expectRefusal(await post('/fhir/R4/Patient', patient('Wide', { identifier })), 400, 'Patient.identifier');
    const given = Array.from({ length: 200_000 }, () => 'An');
    expectRefusal(
      await post('/fhir/R4/Patient', {
        resourceType: 'Patient',
        identifier: identifier.slice(0, 1),
        name: [{ given }],
      }),
      400,
      'Patient.name.given',
    );
    const wrong = Array.from({ length: 200_000 }, () => 1);
    const invalid = await post('/fhir/R4/Patient', {
      resourceType: 'Patient',
      identifier: identifier.slice(0, 1),
      name: [{ given: wrong }],
    });
    expectRefusal(invalid, 400, 'Patient.name[0].given[0]');
    expect(invalid.text.length).toBeLessThan(100_000); // the first issues and a count, not 200,000 of them
    expect(await searchIds(`/fhir/R4/Patient?identifier=${marker}`)).toEqual([]);
    // Short items: 200,000 of them stay under the default body limit of 8 MiB.
    const extension = Array.from({ length: 200_000 }, () => ({ url: 'u:x', valueInteger: 1 }));
    const stored = await post(
      '/fhir/R4/Patient',
      patient('Extended', { extension, identifier: identifier.slice(0, 1) }),
    );
    expect(stored.status, stored.text.slice(0, 300)).toBe(201);
    expect(await searchIds(`/fhir/R4/Patient?identifier=${marker}`)).toEqual([stored.json().id]);
    const entries = await post('/fhir/R4', { resourceType: 'Bundle', type: 'batch', entry: Array(200_000).fill({}) });
    expect(entries.status).toBe(413);
    expect(outcomeProblems(entries)).toEqual([]);
    const operations = Array.from({ length: 200_000 }, () => ({ op: 'test', path: '/gender', value: 'female' }));
    const patch = await host.send({
      method: 'PATCH',
      url: `/fhir/R4/Patient/${stored.json().id}`,
      body: JSON.stringify(operations),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patch.status, patch.text.slice(0, 300)).toBeLessThan(500);
    if (patch.status >= 400) expect(outcomeProblems(patch)).toEqual([]);
  }, 60_000);

  it('a path segment longer than the router takes is a 414 OperationOutcome, one that does not decode a 400', async () => {
    const answer = await host.send({ method: 'GET', url: `/fhir/R4/Patient/${letters(3000, 30)}` });
    expect(answer.status).toBe(414);
    expect(outcomeProblems(answer)).toEqual([]);
    expect(answer.text).not.toContain(letters(3000, 30).slice(0, 300));
    const undecodable = await host.send({ method: 'GET', url: '/fhir/R4/Patient/%E0%A4%A' });
    expect(undecodable.status).toBe(400);
    expect(outcomeProblems(undecodable)).toEqual([]);
  });
});
