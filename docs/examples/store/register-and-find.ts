import { vnNamingSystems } from '@mekong/fhir';
import { ResourceSearch, ResourceStore, runMigrations, type SqlClient, storeMigrations } from '@mekong/store';

export async function registerAndFind(db: SqlClient) {
  await runMigrations(db, [storeMigrations]);
  const store = new ResourceStore(db);
  const search = new ResourceSearch(db);

  // Validated before anything is written: a bad date or a malformed citizen ID is refused with its path.
  const patient = await store.create({
    resourceType: 'Patient',
    identifier: [{ system: vnNamingSystems.citizenId, value: '079190001234' }],
    name: [{ family: 'Nguyễn', given: ['Thị', 'Hoa'] }],
    gender: 'female',
    birthDate: '1990-04-12',
  });

  // Every write is a new version; If-Match makes a stale update fail instead of overwriting.
  await store.update({ ...patient, telecom: [{ system: 'phone', value: '0901234567' }] }, { ifMatch: '1' });

  // Names match without diacritics; identifiers by system and value.
  const byName = await search.search('Patient', { name: 'nguyen', birthdate: 'ge1990' });
  const byCitizenId = await search.search('Patient', { identifier: `${vnNamingSystems.citizenId}|079190001234` });
  return { patient, byName, byCitizenId };
}
