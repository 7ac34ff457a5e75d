import { openPglite, type SqlClient } from '@mekong/store';
import { afterAll, expect, it } from 'vitest';
import { registerAndFind } from './register-and-find.js';

let db: SqlClient | undefined;
afterAll(() => db?.close());

it('registers a patient on embedded PGlite and finds her by name and by citizen ID', async () => {
  db = await openPglite();
  const { patient, byName, byCitizenId } = await registerAndFind(db);
  expect(patient.meta.versionId).toBe('1');
  expect(byName.entry?.map((e) => e.resource?.id)).toEqual([patient.id]);
  expect(byCitizenId.entry?.[0]?.resource?.meta?.versionId).toBe('2');
});
