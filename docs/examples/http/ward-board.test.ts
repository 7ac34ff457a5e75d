import { serverPlugin, serverServiceRef } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { startTestHost } from '@mekong/testing';
import { expect, it } from 'vitest';
import { wardBoardPlugin } from './ward-board.js';

it('serves the ward board route and the $admission-count operation', async () => {
  const host = await startTestHost({
    plugins: [storePlugin, serverPlugin, wardBoardPlugin],
    config: {
      plugins: {
        server: {
          port: 0,
          // A role for the screens: it may search encounters and count admissions, nothing else.
          auth: {
            roles: {
              'ward-screen': {
                rules: [{ type: 'Encounter', interactions: ['search'] }],
                operations: ['$admission-count'],
              },
            },
          },
        },
      },
    },
  });
  const { app, apiKeys } = host.get(serverServiceRef);
  const { key } = await apiKeys.create({ name: 'nurses station', roles: ['ward-screen'] });
  const admin = await apiKeys.create({ name: 'setup', roles: ['admin'] });
  const as = (credential: string) => ({
    authorization: `Bearer ${credential}`,
    'content-type': 'application/fhir+json',
  });

  const encounter = {
    resourceType: 'Encounter',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: 'Patient/p1' },
    location: [{ location: { reference: 'Location/ward-3' } }],
  };
  const created = await app.inject({
    method: 'POST',
    url: '/fhir/R4/Encounter',
    headers: as(admin.key),
    payload: encounter,
  });
  expect(created.statusCode).toBe(201);

  const board = await app.inject({ method: 'GET', url: '/ward-board/ward-3', headers: as(key) });
  expect(board.json()).toEqual({ ward: 'ward-3', patients: ['Patient/p1'] });

  const count = await app.inject({ method: 'GET', url: '/fhir/R4/Encounter/$admission-count', headers: as(key) });
  expect(count.json().parameter).toEqual([{ name: 'count', valueInteger: 1 }]);

  const nurse = await apiKeys.create({ name: 'a nurse', roles: ['nurse'] });
  const refused = await app.inject({
    method: 'GET',
    url: '/fhir/R4/Encounter/$admission-count',
    headers: as(nurse.key),
  });
  expect(refused.statusCode).toBe(403); // the nurse role does not list $admission-count

  const wrong = await app.inject({
    method: 'GET',
    url: '/fhir/R4/Encounter/$admission-count?status=lost',
    headers: as(key),
  });
  expect(wrong.statusCode).toBe(400);
  expect(wrong.json().issue[0].expression).toEqual(["Parameters.parameter.where(name = 'status')"]);
});
