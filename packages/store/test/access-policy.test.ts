import type { AnyResource, Bundle, Patient } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  type AccessPolicy,
  AuditLog,
  type Interaction,
  READ_INTERACTIONS,
  ResourceStore,
  runMigrations,
  ScopedStore,
  storeMigrations,
  WRITE_INTERACTIONS,
} from '../src/index.js';
import { nurse, observation, openStore, rejection } from './access-fixtures.js';
import { backends, isolatedDatabase } from './backends.js';

const ALL: Interaction[] = [...READ_INTERACTIONS, ...WRITE_INTERACTIONS];

describe.each(backends)('access policies on %s', (backend) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });
  const open = async () => {
    const opened = await openStore(backend);
    dispose = opened.dispose;
    return opened;
  };

  it('denies by default: each interaction works only where a rule allows it, refusals name who, what and the type', async () => {
    const { store, scoped, audit } = await open();
    const patient = await store.create({ resourceType: 'Patient' });
    const subject = `Patient/${patient.id}`;
    let expectedRefusals = 0;
    let expectedSuccesses = 0;
    for (const allowed of ALL) {
      const handle = scoped({ rules: [{ type: 'Observation', interactions: [allowed] }] });
      const existing = await store.create(observation(subject));
      const calls: [Interaction, () => Promise<unknown>][] = [
        ['read', () => handle.read('Observation', existing.id)],
        ['vread', () => handle.vread('Observation', existing.id, '1')],
        ['search', () => handle.search('Observation', { subject })],
        ['history', () => handle.history('Observation', existing.id)],
        ['history', () => handle.typeHistory('Observation')],
        ['create', () => handle.create(observation(subject))],
        ['update', () => handle.update({ ...existing, status: 'amended' })],
        [
          'patch',
          () => handle.patch('Observation', existing.id, [{ op: 'replace', path: '/status', value: 'amended' }]),
        ],
        ['delete', () => handle.delete('Observation', existing.id)],
      ];
      for (const [interaction, call] of calls) {
        if (interaction === allowed) {
          await call();
          expectedSuccesses++;
        } else {
          const error = await rejection(call());
          expect(error).toBeInstanceOf(AccessDeniedError);
          expect(error.status).toBe(403);
          const verb = interaction === 'history' ? 'read the history of' : interaction;
          expect(error.message).toMatch(
            new RegExp(`^user 'u-lan' \\(client 'ward-tablet'\\) may not ${verb} Observation: its access policy`),
          );
          expectedRefusals++;
        }
      }
      // Another type is refused whatever the interaction.
      await expect(handle.read('Patient', patient.id)).rejects.toBeInstanceOf(AccessDeniedError);
      expectedRefusals++;
    }
    const outcomes = (await audit.list()).map((e) => e.outcome);
    expect(outcomes.filter((o) => o === '4')).toHaveLength(expectedRefusals);
    expect(outcomes.filter((o) => o === '0')).toHaveLength(expectedSuccesses);
    expect(outcomes).toHaveLength(expectedRefusals + expectedSuccesses);
  });

  it('conditional writes need search too; AuditEvent is never writable, not even with *', async () => {
    const { scoped, count } = await open();
    const createOnly = scoped({ rules: [{ type: 'Patient', interactions: ['create', 'update'] }] });
    const refused = await rejection(createOnly.createIfNoneExist({ resourceType: 'Patient' }, { identifier: 'x|1' }));
    expect(refused.message).toMatch(/may not search Patient/);
    await expect(createOnly.updateWhere({ resourceType: 'Patient' }, { identifier: 'x|1' })).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    const admin = scoped({ rules: [{ type: '*', interactions: ALL }] });
    const audit = {
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2026-01-01T00:00:00Z',
      agent: [{ requestor: true, who: { display: 'forger' } }],
      source: { observer: { display: 'forger' } },
    } as AnyResource;
    const error = await rejection(admin.create(audit));
    expect(error.message).toBe(
      "user 'u-lan' (client 'ward-tablet') may not create AuditEvent: the audit trail is written by the store alone",
    );
    const batch = await admin.bundle({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: audit, request: { method: 'POST', url: 'AuditEvent' } }],
    });
    expect(batch.entry?.[0]?.response?.status).toBe('403');
    await expect(admin.delete('AuditEvent' as never, 'x')).rejects.toBeInstanceOf(AccessDeniedError);
    expect(await count('mekong_resource')).toBe(0);
  });

  it('hides hidden fields everywhere it returns resources, and keeps hidden and read-only ones on writes', async () => {
    const { store, scoped } = await open();
    const stored = await store.create<Patient>({
      resourceType: 'Patient',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      identifier: [{ system: 'urn:hospital:mrn', value: 'MRN-1' }],
      telecom: [{ system: 'phone', value: '0901111111' }],
      contact: [{ name: { family: 'Trần' }, telecom: [{ system: 'phone', value: '0902222222' }] }],
      address: [{ line: ['12 Lê Lợi'], city: 'Huế' }],
    });
    const policy: AccessPolicy = {
      rules: [
        {
          type: 'Patient',
          interactions: ALL,
          hiddenFields: ['telecom', 'contact.telecom'],
          readonlyFields: ['meta.security', 'address.city', 'identifier'],
        },
      ],
    };
    const handle = scoped(policy);
    const hidden = (resource: unknown) => {
      const patient = resource as Patient;
      expect(patient.telecom).toBeUndefined();
      expect(patient.contact?.[0]?.telecom).toBeUndefined();
      expect(patient.contact?.[0]?.name?.family).toBe('Trần');
    };
    const read = await handle.read('Patient', stored.id);
    hidden(read);
    expect(read.meta?.security?.[0]?.code).toBe('R');
    hidden(await handle.vread('Patient', stored.id, '1'));
    hidden((await handle.history('Patient', stored.id))[0]?.resource);
    hidden((await handle.typeHistory('Patient'))[0]?.resource);
    hidden((await handle.search('Patient', { _id: stored.id })).entry?.[0]?.resource);
    // Searching by a hidden element would reveal it one guess at a time: refused, also through a chain.
    for (const query of [{ phone: '0901111111' }, { telecom: 'phone|0901111111' }, { email: 'a@b.vn' }]) {
      await expect(handle.search('Patient', query)).rejects.toThrow(
        /reads Patient\.telecom, which its access policy hides/,
      );
    }
    expect((await handle.search('Patient', { 'address-city': 'Huế' })).entry).toHaveLength(1);
    const got = await handle.bundle({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Patient/${stored.id}` } }],
    });
    hidden(got.entry?.[0]?.resource);
    const existing = await handle.createIfNoneExist(
      { resourceType: 'Patient' },
      { identifier: 'urn:hospital:mrn|MRN-1' },
    );
    expect(existing.outcome).toBe('existing');
    hidden(existing.resource);

    // An update from what the caller saw: hidden elements stay, read-only ones keep their stored values.
    const updated = await handle.update({
      ...read,
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] },
      identifier: [{ system: 'urn:hospital:mrn', value: 'FORGED' }],
      address: [{ line: ['99 Trần Phú'], city: 'Hà Nội' }],
      gender: 'female',
    });
    hidden(updated);
    const afterUpdate = await store.read('Patient', stored.id);
    expect(afterUpdate).toMatchObject({
      gender: 'female',
      telecom: [{ value: '0901111111' }],
      contact: [{ telecom: [{ value: '0902222222' }] }],
      identifier: [{ value: 'MRN-1' }],
      address: [{ line: ['99 Trần Phú'], city: 'Huế' }],
      meta: { versionId: '2', security: [{ code: 'R' }] },
    });

    // A patch applies to what the caller sees: it cannot test or change hidden or read-only elements.
    await expect(
      handle.patch('Patient', stored.id, [{ op: 'test', path: '/telecom/0/value', value: '0901111111' }]),
    ).rejects.toThrow(/Patch\[0\]/);
    const patched = await handle.patch('Patient', stored.id, [
      { op: 'replace', path: '/address/0/city', value: 'Đà Nẵng' },
      { op: 'add', path: '/telecom', value: [{ system: 'phone', value: '0000' }] },
      { op: 'remove', path: '/meta/security' },
      { op: 'replace', path: '/gender', value: 'other' },
    ]);
    hidden(patched);
    expect(await store.read('Patient', stored.id)).toMatchObject({
      gender: 'other',
      telecom: [{ value: '0901111111' }],
      address: [{ city: 'Huế' }],
      meta: { versionId: '3', security: [{ code: 'R' }] },
    });

    // On create, what the caller may not set is dropped.
    const created = await handle.create<Patient>({
      resourceType: 'Patient',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] },
      telecom: [{ system: 'phone', value: '0903333333' }],
      address: [{ city: 'Huế', line: ['1 Hùng Vương'] }],
      identifier: [{ system: 'urn:hospital:mrn', value: 'MRN-2' }],
    });
    const raw = await store.read('Patient', created.id);
    expect(raw.meta?.security).toBeUndefined();
    expect(raw.telecom).toBeUndefined();
    expect(raw.identifier).toBeUndefined();
    expect(raw.address).toEqual([{ line: ['1 Hùng Vương'] }]);
  });

  it('a compartment limits reads, searches (paged in SQL), includes and writes to its patients', async () => {
    const { store, scoped, audit, count } = await open();
    const a = await store.create({ resourceType: 'Patient', name: [{ family: 'An' }] });
    const b = await store.create({ resourceType: 'Patient', name: [{ family: 'Bình' }] });
    const doctor = await store.create({ resourceType: 'Practitioner', name: [{ family: 'Phạm' }] });
    const [pa, pb] = [`Patient/${a.id}`, `Patient/${b.id}`];
    const performer = [{ reference: `Practitioner/${doctor.id}` }];
    const ofA: AnyResource[] = [];
    for (let i = 0; i < 25; i++) ofA.push(await store.create(observation(pa, { performer })));
    const ofB = [];
    for (let i = 0; i < 7; i++) ofB.push(await store.create(observation(pb, { performer })));
    const rules = [
      { type: 'Observation', interactions: ALL },
      { type: 'Patient', interactions: ALL },
      { type: 'Practitioner', interactions: READ_INTERACTIONS },
    ];
    const handle = scoped({ rules, compartment: [pa] });

    // Search: only A's, and paging over them is complete and without repeats.
    const seen: string[] = [];
    let page: Bundle = await handle.search('Observation', { _count: '10', _total: 'accurate' });
    expect(page.total).toBe(25);
    for (;;) {
      seen.push(...(page.entry ?? []).map((e) => e.resource?.id as string));
      for (const entry of page.entry ?? [])
        expect((entry.resource as { subject: unknown }).subject).toEqual({ reference: pa });
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      page = await handle.search('Observation', new URLSearchParams(next.split('?')[1]));
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen)).toEqual(new Set(ofA.map((o) => o.id)));
    expect((await handle.search('Patient', {})).entry?.map((e) => e.resource?.id)).toEqual([a.id]);

    // Includes: the patient in the compartment, not the practitioner (about no patient) nor B's observations.
    const included = await handle.search('Observation', {
      _id: ofA[0]?.id as string,
      _include: ['Observation:subject:Patient', 'Observation:performer:Practitioner'],
    });
    expect(included.entry?.map((e) => `${e.search?.mode} ${e.resource?.resourceType}`)).toEqual([
      'match Observation',
      'include Patient',
    ]);
    const reverse = await handle.search('Patient', { _revinclude: 'Observation:subject', _count: '50' });
    expect(reverse.entry?.filter((e) => e.search?.mode === 'include')).toHaveLength(25);
    // Without a compartment, types the policy does not let it read are left out of includes.
    const noPractitioners = scoped({ rules: rules.slice(0, 2) });
    const withoutPerformer = await noPractitioners.search('Observation', {
      _id: ofB[0]?.id as string,
      _include: 'Observation:performer:Practitioner',
    });
    expect(withoutPerformer.entry?.map((e) => e.resource?.resourceType)).toEqual(['Observation']);
    await expect(noPractitioners.search('Observation', { 'performer:Practitioner.name': 'Phạm' })).rejects.toThrow(
      /may not search Practitioner: a chained parameter searches Practitioner/,
    );

    // Reads of another patient's data, or of data about no patient: 403, audited with the patient.
    const before = (await audit.list()).length;
    const otherRead = await rejection(handle.read('Observation', ofB[0]?.id as string));
    expect(otherRead).toBeInstanceOf(AccessDeniedError);
    // The caller is not told whose record it is (the audit record names the patient).
    expect(otherRead.message).toMatch(
      new RegExp(`may not read Observation/${ofB[0]?.id}: it is about another patient, outside`),
    );
    expect(otherRead.message).not.toContain(pb);
    await expect(handle.read('Patient', b.id)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handle.vread('Observation', ofB[0]?.id as string, '1')).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handle.history('Observation', ofB[0]?.id as string)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handle.read('Practitioner', doctor.id)).rejects.toThrow(/it is about no patient/);
    expect((await handle.read('Observation', ofA[0]?.id as string)).id).toBe(ofA[0]?.id);
    expect(
      (await handle.typeHistory('Observation', { count: 100 })).every(
        (v) => (v.resource as { subject?: unknown }).subject,
      ),
    ).toBe(true);
    expect(await handle.typeHistory('Observation', { count: 100 })).toHaveLength(25);
    const refusals = (await audit.list()).slice(before).filter((e) => e.outcome === '4');
    expect(refusals).toHaveLength(5);
    expect(refusals[0]?.entity?.map((x) => x.what?.reference)).toEqual([`Observation/${ofB[0]?.id}`, pb]);

    // Writes: never outside the compartment, never moving a resource to another patient.
    const resources = await count('mekong_resource');
    await expect(handle.create(observation(pb))).rejects.toThrow(
      /may not create Observation\/.*: it is about another patient, outside/,
    );
    await expect(
      handle.update({ ...(ofA[1] as AnyResource), subject: { reference: pb } } as AnyResource),
    ).rejects.toThrow(new RegExp(`it would move the resource from ${pa} to ${pb}`));
    await expect(
      handle.update({ ...(ofB[1] as AnyResource), status: 'amended' } as AnyResource),
    ).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(
      handle.patch('Observation', ofB[1]?.id as string, [{ op: 'replace', path: '/status', value: 'amended' }]),
    ).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handle.delete('Observation', ofB[1]?.id as string)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(handle.create({ resourceType: 'Patient' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(
      handle.bundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: observation(pa), request: { method: 'POST', url: 'Observation' } },
          { resource: observation(pb), request: { method: 'POST', url: 'Observation' } },
        ],
      }),
    ).rejects.toThrow(/Bundle.entry\[1\].*may not create Observation/);
    expect(await count('mekong_resource')).toBe(resources);
    expect((await store.read('Observation', ofB[1]?.id as string)).status).toBe('final');
    const mine = await handle.create(observation(pa));
    await handle.update({ ...mine, status: 'amended' });
    await handle.delete('Observation', mine.id);
    expect(await count('mekong_resource')).toBe(resources + 1);
    // A compartment context need not be a nurse's: the same rules hold for any caller.
    expect(nurse.client).toBe('ward-tablet');
  });

  it('migration 0006 gives resources written before it their patient, as patientOf does', async () => {
    const { db, dispose: drop } = await isolatedDatabase(backend);
    dispose = drop;
    await runMigrations(db, [{ owner: 'store', migrations: storeMigrations.migrations.slice(0, 5) }]);
    const rows: [string, string, unknown][] = [
      ['Patient', 'p1', { resourceType: 'Patient', id: 'p1' }],
      ['Observation', 'o1', { resourceType: 'Observation', id: 'o1', subject: { reference: 'Patient/p1' } }],
      // A Claim's patient element; a Group subject is about no one patient.
      ['Claim', 'c1', { resourceType: 'Claim', id: 'c1', patient: { reference: 'Patient/p1' } }],
      ['Observation', 'o2', { resourceType: 'Observation', id: 'o2', subject: { reference: 'Group/g1' } }],
    ];
    for (const [type, id, content] of rows) {
      await db.query(
        `insert into mekong_resource (resource_type, id, version_id, last_updated, deleted, content)
         values ($1, $2, 1, now(), false, $3::jsonb)`,
        [type, id, JSON.stringify({ ...(content as object), meta: { versionId: '1' } })],
      );
    }
    expect((await runMigrations(db, [storeMigrations])).applied).toEqual(
      storeMigrations.migrations.slice(5).map((m) => `store@${m.version}`),
    );
    const { rows: patients } = await db.query<{ id: string; patient: string | null }>(
      'select id, patient from mekong_resource order by id',
    );
    expect(patients).toEqual([
      { id: 'c1', patient: 'Patient/p1' },
      { id: 'o1', patient: 'Patient/p1' },
      { id: 'o2', patient: null },
      { id: 'p1', patient: 'Patient/p1' },
    ]);
    const handle = new ScopedStore(
      new ResourceStore(db),
      new AuditLog(db),
      {
        rules: [{ type: 'Observation', interactions: ['search'] }],
        compartment: ['Patient/p1'],
      },
      nurse,
    );
    expect((await handle.search('Observation', {})).entry?.map((e) => e.resource?.id)).toEqual(['o1']);
  });
});
