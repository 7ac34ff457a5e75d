import { afterEach, describe, expect, it } from 'vitest';
import {
  BundleProcessor,
  InvalidResourceError,
  ResourceStore,
  runMigrations,
  type SqlClient,
  storeMigrations,
  TransactionEntryError,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

describe.each(backends)('transaction and batch Bundles on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let bundles: BundleProcessor;
  afterEach(async () => dispose?.());
  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    store = new ResourceStore(db);
    bundles = new BundleProcessor(db);
  };
  const resources = async () =>
    Number((await db.query<{ n: number }>('select count(*)::int as n from mekong_resource')).rows[0]?.n);

  it('a transaction resolves references between its entries and answers per entry', async () => {
    await open();
    const existing = await store.create({ resourceType: 'Practitioner', name: [{ family: 'Võ' }] });
    const result = await bundles.process({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:7f9c2d31-6a2e-4d0b-9a55-0f4f2f0c1a11',
          resource: { resourceType: 'Patient', name: [{ family: 'Đặng', given: ['Minh'] }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Encounter',
            status: 'in-progress',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
            subject: { reference: 'urn:uuid:7f9c2d31-6a2e-4d0b-9a55-0f4f2f0c1a11' },
            participant: [{ individual: { reference: `Practitioner/${existing.id}` } }],
          },
          request: { method: 'POST', url: 'Encounter' },
        },
        {
          resource: { ...existing, active: true },
          request: { method: 'PUT', url: `Practitioner/${existing.id}`, ifMatch: 'W/"1"' },
        },
      ],
    });
    expect(result.type).toBe('transaction-response');
    expect(result.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '200 OK']);
    const patientId = result.entry?.[0]?.resource?.id as string;
    expect(result.entry?.[0]?.response?.location).toBe(`Patient/${patientId}/_history/1`);
    const encounter = await store.read('Encounter', result.entry?.[1]?.resource?.id as string);
    expect(encounter).toMatchObject({ subject: { reference: `Patient/${patientId}` } });
    expect(result.entry?.[2]?.response?.etag).toBe('W/"2"');
  });

  it('a transaction is all or nothing: a failing entry rolls back the others and is named', async () => {
    await open();
    const existing = await store.create({ resourceType: 'Patient' });
    await store.update({ ...existing, gender: 'male' });
    const before = await resources();
    const error = await bundles
      .process({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
          {
            resource: { ...existing, gender: 'female' },
            request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"1"' },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionEntryError);
    expect((error as TransactionEntryError).status).toBe(412);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Bundle\\.entry\\[1\\] \\(PUT Patient/${existing.id}\\) failed, nothing of the transaction was written: .*is at version 2, not 1`,
      ),
    );
    expect(await resources()).toBe(before);
    expect((await store.read('Patient', existing.id)).gender).toBe('male');
  });

  it('rejects invalid entries and malformed requests before anything runs', async () => {
    await open();
    const invalid = await bundles
      .process({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
          {
            resource: { resourceType: 'Patient', birthDate: '31/12/1990' },
            request: { method: 'POST', url: 'Patient' },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidResourceError);
    expect((invalid as InvalidResourceError).issues[0]?.path).toBe('Bundle.entry[1].resource.birthDate');
    await expect(
      bundles.process({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'GET', url: 'Patient?name=x' } }],
      }),
    ).rejects.toThrow(
      /Bundle\.entry\[0\]\.request: url 'Patient\?name=x' must be Type, Type\/id or Type\/id\/_history\/version/,
    );
    await expect(
      bundles.process({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Observation' } }],
      }),
    ).rejects.toThrow(/url names Observation but the resource is a Patient/);
    await expect(
      bundles.process({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: 'Patientt/1' } }],
      }),
    ).rejects.toThrow(/'Patientt' in url 'Patientt\/1' is not a FHIR R4 resource type/);
    await expect(bundles.process({ resourceType: 'Bundle', type: 'collection' })).rejects.toThrow(
      /must be 'transaction' or 'batch'/,
    );
    expect(await resources()).toBe(0);
  });

  it('refuses a conditional create (request.ifNoneExist) in a transaction or batch rather than create a duplicate', async () => {
    await open();
    const identifier = [{ system: 'http://sys', value: '123' }];
    await store.create({ resourceType: 'Patient', identifier });
    for (const type of ['transaction', 'batch'] as const) {
      const refused = await bundles
        .process({
          resourceType: 'Bundle',
          type,
          entry: [
            {
              resource: { resourceType: 'Patient', identifier },
              request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=http://sys|123' },
            },
          ],
        })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InvalidResourceError);
      expect((refused as InvalidResourceError).issues[0]).toMatchObject({
        path: 'Bundle.entry[0].request.ifNoneExist',
        message: expect.stringContaining('If-None-Exist header'),
      });
    }
    expect(await resources()).toBe(1);
  });

  it('a batch runs each entry on its own and reports each outcome', async () => {
    await open();
    const result = await bundles.process({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', gender: 'other' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { request: { method: 'DELETE', url: 'Patient/does-not-exist' } },
      ],
    });
    expect(result.type).toBe('batch-response');
    expect(result.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '404', '404']);
    expect(result.entry?.[1]?.response?.outcome).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: '<root>: Patient/does-not-exist does not exist' }],
    });
    expect(await resources()).toBe(1);
  });
});
