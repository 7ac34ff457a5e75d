import { serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { ICD10_VN_VALUE_SET, terminologyPlugin } from '@mekong/terminology';
import { startTestHost } from '@mekong/testing';
import { expect, it } from 'vitest';
import { CONSULTATIONS, clinicCodesPlugin, visitCheckerServiceRef } from './clinic-codes.js';

it('serves the shipped ICD-10 subset and the clinic’s own codes, over HTTP and to plugin code', async () => {
  const host = await startTestHost({
    plugins: [storePlugin, serverPlugin, terminologyPlugin, clinicCodesPlugin],
    config: { plugins: { server: { port: 0 } } },
  });
  const { app, apiKeys } = host.get(serverServiceRef);
  const { key } = await apiKeys.create({ name: 'front desk', roles: ['receptionist'] });
  const get = async (url: string) =>
    (await app.inject({ method: 'GET', url: `/fhir/R4${url}`, headers: { authorization: `Bearer ${key}` } })).json();

  // Without diacritics, each word the start of a word.
  const found = await get(`/ValueSet/$expand?url=${encodeURIComponent(ICD10_VN_VALUE_SET)}&filter=nhoi%20mau&count=3`);
  expect(found.expansion.contains.map((c: { display: string }) => c.display)).toEqual([
    'Nhồi máu cơ tim cấp',
    'Nhồi máu cơ tim cấp thành trước xuyên thành',
    'Nhồi máu cơ tim cấp thành dưới xuyên thành',
  ]);

  const lookup = await get('/CodeSystem/icd-10-vn/$lookup?code=E11');
  expect(lookup.parameter[2]).toEqual({ name: 'display', valueString: 'Bệnh đái tháo đường không phụ thuộc insuline' });

  // The ENT consultation left the catalogue at the end of June 2025.
  const ent = await get(
    `/CodeSystem/$validate-code?url=${encodeURIComponent(CONSULTATIONS)}&code=02.1898&date=2025-07-01`,
  );
  expect(ent.parameter[0]).toEqual({ name: 'result', valueBoolean: false });

  const visits = host.get(visitCheckerServiceRef);
  expect(visits.check('02.1896', 'I10', '2025-07-01')).toMatchObject({
    consultation: { result: true, display: 'Khám Nội' },
    diagnosis: { result: true, display: 'Tăng huyết áp vô căn (nguyên phát)' },
  });
  expect(visits.check('02.1899', 'I21', '2025-06-01')).toMatchObject({
    consultation: {
      result: false,
      message: `code '02.1899' of ${CONSULTATIONS} is valid from 2025-07-01, not on 2025-06-01`,
    },
    diagnosis: { result: false },
  });
});
