import { validateResource } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  AuditLog,
  InvalidResourceError,
  policyFromGrant,
  ResourceStore,
  runMigrations,
  ScopedStore,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';
import { backends, isolatedDatabase } from './backends.js';

describe.each(backends)('scoped store and audit on %s', (backend) => {
  let db: SqlClient;
  let dispose: () => Promise<void>;
  let store: ResourceStore;
  let audit: AuditLog;
  afterEach(async () => dispose?.());
  const open = async () => {
    ({ db, dispose } = await isolatedDatabase(backend));
    await runMigrations(db, [storeMigrations]);
    store = new ResourceStore(db);
    audit = new AuditLog(db);
  };
  const pharmacy = () =>
    new ScopedStore(
      store,
      audit,
      policyFromGrant({ read: ['Patient', 'MedicationRequest'], write: ['MedicationRequest', 'AuditEvent'] }),
      { agent: { kind: 'plugin', id: 'pharmacy' }, plugin: 'pharmacy', address: '10.1.2.3' },
    );
  const summary = async () =>
    (await audit.list()).map((e) => [
      e.subtype?.[0]?.code,
      e.outcome,
      e.entity?.map((x) => x.what?.reference).join(' ') ?? '',
    ]);

  it('allows what the grant names and audits each access with who, what and which patient', async () => {
    await open();
    const patient = await store.create({ resourceType: 'Patient', name: [{ family: 'Lê', given: ['Văn', 'Nam'] }] });
    const handle = pharmacy();
    const order = await handle.create({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patient.id}` },
      medicationCodeableConcept: { text: 'Paracetamol 500 mg' },
    });
    await handle.read('Patient', patient.id);
    await handle.update({ ...order, status: 'completed' }, { ifMatch: '1' });
    expect(await summary()).toEqual([
      ['create', '0', `MedicationRequest/${order.id} Patient/${patient.id}`],
      ['read', '0', `Patient/${patient.id}`],
      ['update', '0', `MedicationRequest/${order.id} Patient/${patient.id}`],
    ]);
    const [event] = await audit.list({ patient: `Patient/${patient.id}` });
    expect(validateResource(event).ok).toBe(true);
    expect(event?.agent).toEqual([
      {
        type: { text: 'plugin' },
        who: { identifier: { system: 'urn:mekong:plugin', value: 'pharmacy' } },
        requestor: true,
        network: { address: '10.1.2.3', type: '2' },
      },
      {
        type: { text: 'plugin' },
        who: { identifier: { system: 'urn:mekong:plugin', value: 'pharmacy' } },
        requestor: false,
      },
    ]);
    expect(await audit.list({ patient: `Patient/${patient.id}` })).toHaveLength(3);
  });

  it('refuses resource types outside the grant, naming the plugin and the fix, and audits the refusal', async () => {
    await open();
    const patient = await store.create({ resourceType: 'Patient' });
    const handle = pharmacy();
    const refused = await handle
      .create({ resourceType: 'Observation', status: 'final', code: { text: 'x' } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AccessDeniedError);
    expect((refused as AccessDeniedError).status).toBe(403);
    expect((refused as Error).message).toBe(
      "plugin 'pharmacy' may not create Observation: it is not among the resource types it may write",
    );
    expect((refused as AccessDeniedError).hint).toBe(
      "declare 'Observation' in capabilities.resources.write of plugin 'pharmacy'",
    );
    await expect(handle.delete('Patient', patient.id)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handle.read('Encounter', 'e1')).rejects.toBeInstanceOf(AccessDeniedError);
    // AuditEvents are written by the store alone, whatever a grant says.
    await expect(handle.create({ resourceType: 'AuditEvent' } as never)).rejects.toBeInstanceOf(AccessDeniedError);
    expect(await summary()).toEqual([
      ['create', '4', ''],
      ['delete', '4', `Patient/${patient.id}`],
      ['read', '4', 'Encounter/e1'],
      ['create', '4', ''],
    ]);
    expect((await audit.list({ patient: `Patient/${patient.id}` })).map((e) => e.outcome)).toEqual(['4']);
    expect((await db.query('select count(*)::int as n from mekong_resource')).rows[0]).toEqual({ n: 1 });
  });

  it('audits failures, writes nothing for them, and N interactions leave exactly N audit events', async () => {
    await open();
    const handle = pharmacy();
    const invalid = {
      resourceType: 'MedicationRequest',
      status: 'sort-of',
      intent: 'order',
      subject: { reference: 'Patient/x' },
    };
    await expect(handle.create(invalid as never)).rejects.toBeInstanceOf(InvalidResourceError);
    await expect(handle.read('Patient', 'missing')).rejects.toThrow(/does not exist/);
    expect((await audit.list()).map((e) => [e.outcome, e.outcomeDesc?.split('\n')[0]])).toEqual([
      ['8', 'invalid resource, nothing was written:'],
      ['8', 'Patient/missing does not exist'],
    ]);
    expect((await db.query('select count(*)::int as n from mekong_resource')).rows[0]).toEqual({ n: 0 });
  });

  it('keeps the audit trail append-only in the database itself', async () => {
    await open();
    await expect(pharmacy().read('Patient', 'missing')).rejects.toThrow();
    await expect(db.query('update mekong_audit set outcome = $1', ['success'])).rejects.toThrow(
      /mekong_audit is append-only: UPDATE/,
    );
    await expect(db.query('delete from mekong_audit')).rejects.toThrow(/mekong_audit is append-only: DELETE/);
    await expect(db.query('truncate mekong_audit')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await audit.list()).toHaveLength(1);
  });
});
