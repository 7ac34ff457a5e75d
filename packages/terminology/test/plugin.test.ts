import { fileURLToPath } from 'node:url';
import { definePlugin } from '@mekong/kernel';
import { type ServerService, serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import {
  ICD10_SYSTEM,
  ICD10_VN_VALUE_SET,
  terminologyCodeSystemsExtensionPoint,
  terminologyPlugin,
  terminologyServiceRef,
} from '@mekong/terminology';
import { startTestHost } from '@mekong/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const SERVICES = 'https://example.org/CodeSystem/bhyt-dich-vu';
const WARDS = 'https://example.org/CodeSystem/wards';

// A plugin that ships code lists: one as data, one as a CSV file beside it.
const hospitalCodesPlugin = definePlugin({
  id: 'hospital-codes',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { terminology: '^0.1.0' },
  register(env) {
    env.contribute(terminologyCodeSystemsExtensionPoint, {
      value: {
        codeSystems: [
          {
            id: 'wards',
            url: WARDS,
            version: '1',
            name: 'Wards',
            valueSet: `${WARDS}/vs`,
            concepts: [{ code: 'NOI', display: 'Khoa Nội' }],
          },
          {
            format: 'csv',
            file: fileURLToPath(new URL('./fixtures/bhyt-dich-vu.csv', import.meta.url)),
            id: 'bhyt-dich-vu',
            url: SERVICES,
            version: '2024',
            name: 'DichVuKyThuat',
            valueSet: `${SERVICES}/vs`,
            columns: { code: 'MA_DV', display: 'TEN_DV', effectiveFrom: 'TU_NGAY', effectiveTo: 'DEN_NGAY' },
          },
        ],
      },
    });
  },
});

let app: ServerService['app'];
const keys: Record<string, string> = {};

function as(role: string) {
  return { authorization: `Bearer ${keys[role]}`, 'content-type': 'application/fhir+json' };
}

async function get(url: string, role = 'clinician') {
  return app.inject({ method: 'GET', url: `/fhir/R4${url}`, headers: as(role) });
}

function parameter(body: { parameter?: { name: string }[] }, name: string) {
  return body.parameter?.find((p) => p.name === name);
}

beforeAll(async () => {
  const test = await startTestHost({
    plugins: [storePlugin, serverPlugin, terminologyPlugin, hospitalCodesPlugin],
    config: { plugins: { server: { port: 0 }, terminology: { expansion: { defaultCount: 5, maxCount: 50 } } } },
  });
  const server = test.get(serverServiceRef);
  app = server.app;
  for (const role of ['clinician', 'nurse', 'receptionist', 'auditor']) {
    keys[role] = (await server.apiKeys.create({ name: role, roles: [role] })).key;
  }
  // The typed service for plugin code answers from the same data.
  expect(test.get(terminologyServiceRef).lookup({ system: ICD10_SYSTEM, code: 'I21' }).display).toBe(
    'Nhồi máu cơ tim cấp',
  );
});

describe('ValueSet/$expand over HTTP', () => {
  it('finds "Nhồi máu cơ tim" for nhoi mau, one page at a time', async () => {
    const url = `/ValueSet/$expand?url=${encodeURIComponent(ICD10_VN_VALUE_SET)}&filter=nhoi%20mau&count=2`;
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ resourceType: 'ValueSet', url: ICD10_VN_VALUE_SET, expansion: { offset: 0 } });
    expect(body.expansion.total).toBeGreaterThanOrEqual(7);
    expect(body.expansion.contains).toEqual([
      { system: ICD10_SYSTEM, version: 'vn-4469-2020', code: 'I21', display: 'Nhồi máu cơ tim cấp' },
      {
        system: ICD10_SYSTEM,
        version: 'vn-4469-2020',
        code: 'I21.0',
        display: 'Nhồi máu cơ tim cấp thành trước xuyên thành',
      },
    ]);
    const next = (await get(`${url}&offset=2`)).json();
    expect(next.expansion.offset).toBe(2);
    expect(next.expansion.contains[0].code).toBe('I21.1');
  });

  it('at instance level, with designations, by POST, and with the configured default count', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/fhir/R4/ValueSet/icd-10-vn/$expand',
      headers: as('nurse'),
      payload: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'filter', valueString: 'viêm phổi' },
          { name: 'includeDesignations', valueBoolean: true },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    const { expansion } = response.json();
    expect(expansion.contains).toHaveLength(5);
    expect(expansion.contains[0]).toEqual({
      system: ICD10_SYSTEM,
      version: 'vn-4469-2020',
      code: 'J12',
      display: 'Viêm phổi do virus, không phân loại nơi khác',
      designation: [{ language: 'en', value: 'Viral pneumonia, not elsewhere classified' }],
    });
  });

  it('answers count=0 with the total and no contains (FHIR JSON has no empty arrays)', async () => {
    const body = (
      await get(`/ValueSet/$expand?url=${encodeURIComponent(ICD10_VN_VALUE_SET)}&filter=nhoi&count=0`)
    ).json();
    expect(body.expansion.total).toBeGreaterThan(0);
    expect(body.expansion).not.toHaveProperty('contains');
    const none = (await get(`/ValueSet/$expand?url=${encodeURIComponent(ICD10_VN_VALUE_SET)}&filter=zzz`)).json();
    expect([none.expansion.total, none.expansion.contains]).toEqual([0, undefined]);
  });

  it('answers the displays in another language with displayLanguage (the English designations)', async () => {
    const url = `/ValueSet/icd-10-vn/$expand?filter=nhoi%20mau&count=1&displayLanguage=en`;
    expect((await get(url)).json().expansion.contains[0]).toMatchObject({
      code: 'I21',
      display: 'Acute myocardial infarction',
    });
    const vi = (await get('/ValueSet/icd-10-vn/$expand?filter=I21&count=1&displayLanguage=vi-VN')).json();
    expect(vi.expansion.contains[0].display).toBe('Nhồi máu cơ tim cấp');
    const lookup = (await get('/CodeSystem/icd-10-vn/$lookup?code=J18&displayLanguage=en')).json();
    expect(parameter(lookup, 'display')).toEqual({ name: 'display', valueString: 'Pneumonia, organism unspecified' });
    // No designation in that language: the display.
    const fr = (await get('/CodeSystem/icd-10-vn/$lookup?code=J18&displayLanguage=fr')).json();
    expect(parameter(fr, 'display')).toEqual({ name: 'display', valueString: 'Viêm phổi, tác nhân không xác định' });
  });

  it('honours the date of a contributed catalogue', async () => {
    const url = `/ValueSet/$expand?url=${encodeURIComponent(`${SERVICES}/vs`)}`;
    const codes = async (date: string) =>
      (await get(`${url}&date=${date}`)).json().expansion.contains.map((c: { code: string }) => c.code);
    expect(await codes('2024-06-01')).toEqual(['01.0001.1778', '01.0002.1778']);
    expect(await codes('2025-01-01')).toEqual(['01.0001.1778']);
  });

  it('refuses a page larger than allowed, an unknown value set and a bad date with the parameter named', async () => {
    const tooMany = await get(`/ValueSet/$expand?url=${encodeURIComponent(ICD10_VN_VALUE_SET)}&count=51`);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().issue[0]).toMatchObject({
      code: 'too-costly',
      expression: ["Parameters.parameter.where(name = 'count')"],
    });
    const unknown = await get('/ValueSet/$expand?url=https%3A%2F%2Fnowhere');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().issue[0].expression).toEqual(["Parameters.parameter.where(name = 'url')"]);
    const badDate = await get(`/ValueSet/$expand?url=${encodeURIComponent(ICD10_VN_VALUE_SET)}&date=soon`);
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().issue[0].expression).toEqual(["Parameters.parameter.where(name = 'date')"]);
    expect((await get('/ValueSet/$expand')).statusCode).toBe(400);
    expect((await get('/ValueSet/no-such-set/$expand')).statusCode).toBe(404);
  });
});

describe('CodeSystem/$lookup over HTTP', () => {
  it('answers name, version, display, designations and properties, at type and instance level', async () => {
    const response = await get(
      `/CodeSystem/$lookup?system=${encodeURIComponent(ICD10_SYSTEM)}&code=I21`,
      'receptionist',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'name', valueString: 'ICD10VN' },
        { name: 'version', valueString: 'vn-4469-2020' },
        { name: 'display', valueString: 'Nhồi máu cơ tim cấp' },
        {
          name: 'designation',
          part: [
            { name: 'language', valueCode: 'en' },
            { name: 'value', valueString: 'Acute myocardial infarction' },
          ],
        },
        {
          name: 'property',
          part: [
            { name: 'code', valueCode: 'chapter' },
            { name: 'value', valueString: 'IX' },
          ],
        },
      ],
    });
    const instance = await get('/CodeSystem/bhyt-dich-vu/$lookup?code=01.0002.1778');
    expect(parameter(instance.json(), 'display')).toEqual({ name: 'display', valueString: 'Khám Ngoại' });
    expect(instance.json().parameter.filter((p: { name: string }) => p.name === 'property')).toEqual([
      {
        name: 'property',
        part: [
          { name: 'code', valueCode: 'effectiveDate' },
          { name: 'value', valueDateTime: '2024-01-01' },
        ],
      },
      {
        name: 'property',
        part: [
          { name: 'code', valueCode: 'retirementDate' },
          { name: 'value', valueDateTime: '2025-01-01' },
        ],
      },
    ]);
  });

  it('takes a coding by POST, and answers 404 for an unknown code', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/fhir/R4/CodeSystem/$lookup',
      headers: as('clinician'),
      payload: {
        resourceType: 'Parameters',
        parameter: [{ name: 'coding', valueCoding: { system: WARDS, code: 'NOI' } }],
      },
    });
    expect(parameter(response.json(), 'display')).toEqual({ name: 'display', valueString: 'Khoa Nội' });
    const unknown = await get(`/CodeSystem/$lookup?system=${encodeURIComponent(ICD10_SYSTEM)}&code=X99.9`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().issue[0].expression).toEqual(["Parameters.parameter.where(name = 'code')"]);
  });
});

describe('$validate-code over HTTP', () => {
  it('on a CodeSystem: result, display and the message when invalid', async () => {
    const ok = await get(
      `/CodeSystem/$validate-code?url=${encodeURIComponent(ICD10_SYSTEM)}&code=E11&display=${encodeURIComponent('Non-insulin-dependent diabetes mellitus')}`,
    );
    expect(ok.json().parameter).toEqual([
      { name: 'result', valueBoolean: true },
      { name: 'display', valueString: 'Bệnh đái tháo đường không phụ thuộc insuline' },
    ]);
    const retired = (await get('/CodeSystem/bhyt-dich-vu/$validate-code?code=01.0002.1778&date=2025-02-01')).json();
    expect(retired.parameter[0]).toEqual({ name: 'result', valueBoolean: false });
    expect(parameter(retired, 'message')).toEqual({
      name: 'message',
      valueString: `code '01.0002.1778' of ${SERVICES} is valid from 2024-01-01 to 2024-12-31, not on 2025-02-01`,
    });
  });

  it('on a ValueSet, by POST with a coding, and at instance level', async () => {
    const post = await app.inject({
      method: 'POST',
      url: '/fhir/R4/ValueSet/$validate-code',
      headers: as('nurse'),
      payload: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'url', valueUri: ICD10_VN_VALUE_SET },
          { name: 'coding', valueCoding: { system: ICD10_SYSTEM, code: 'I10' } },
        ],
      },
    });
    expect(post.json().parameter).toEqual([
      { name: 'result', valueBoolean: true },
      { name: 'display', valueString: 'Tăng huyết áp vô căn (nguyên phát)' },
    ]);
    const absent = (await get('/ValueSet/icd-10-vn/$validate-code?code=I10.9')).json();
    expect(absent.parameter).toEqual([
      { name: 'result', valueBoolean: false },
      {
        name: 'message',
        valueString: `code 'I10.9' of ${ICD10_SYSTEM} is not in value set ${ICD10_VN_VALUE_SET} version vn-4469-2020`,
      },
    ]);
  });
});

describe('$validate-code with a codeableConcept', () => {
  const post = (url: string, parameter: unknown[]) =>
    app.inject({
      method: 'POST',
      url: `/fhir/R4${url}`,
      headers: as('clinician'),
      payload: { resourceType: 'Parameters', parameter },
    });
  const concept = (...coding: { system: string; code: string }[]) => ({
    name: 'codeableConcept',
    valueCodeableConcept: { coding },
  });

  it('is valid when one of its codings is, and names every reason when none is', async () => {
    const local = { system: 'https://benhvien.example.vn/ma-benh', code: 'THA' };
    const one = await post('/ValueSet/icd-10-vn/$validate-code', [
      concept(local, { system: ICD10_SYSTEM, code: 'I10' }),
    ]);
    expect(one.json().parameter).toEqual([
      { name: 'result', valueBoolean: true },
      { name: 'display', valueString: 'Tăng huyết áp vô căn (nguyên phát)' },
    ]);
    const none = await post('/ValueSet/icd-10-vn/$validate-code', [
      concept(local, { system: ICD10_SYSTEM, code: 'I10.9' }),
    ]);
    expect(none.json().parameter).toEqual([
      { name: 'result', valueBoolean: false },
      {
        name: 'message',
        valueString: `code 'THA' of ${local.system} is not in value set ${ICD10_VN_VALUE_SET} version vn-4469-2020; code 'I10.9' of ${ICD10_SYSTEM} is not in value set ${ICD10_VN_VALUE_SET} version vn-4469-2020`,
      },
    ]);
  });

  it('on a CodeSystem, judges only the codings of that system', async () => {
    const own = await post('/CodeSystem/icd-10-vn/$validate-code', [
      concept({ system: 'http://snomed.info/sct', code: '22298006' }, { system: ICD10_SYSTEM, code: 'I21' }),
    ]);
    expect(own.json().parameter[0]).toEqual({ name: 'result', valueBoolean: true });
    const other = await post('/CodeSystem/icd-10-vn/$validate-code', [
      concept({ system: 'http://snomed.info/sct', code: '22298006' }),
    ]);
    expect(other.json().parameter).toEqual([
      { name: 'result', valueBoolean: false },
      { name: 'message', valueString: `no coding of ${ICD10_SYSTEM} was given` },
    ]);
  });
});

describe('access', () => {
  it('staff roles may call the operations; a role that does not list them is refused', async () => {
    const url = `/CodeSystem/$lookup?system=${encodeURIComponent(ICD10_SYSTEM)}&code=I21`;
    for (const role of ['clinician', 'nurse', 'receptionist']) expect((await get(url, role)).statusCode).toBe(200);
    expect((await get(url, 'auditor')).statusCode).toBe(403);
    const anonymous = await app.inject({ method: 'GET', url: `/fhir/R4${url}` });
    expect(anonymous.statusCode).toBe(401);
  });
});
