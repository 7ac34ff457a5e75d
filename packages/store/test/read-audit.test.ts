import { type AuditEvent, validateResource } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessPolicy, READ_INTERACTIONS, WRITE_INTERACTIONS } from '../src/index.js';
import { nurse, observation, openStore, rejection } from './access-fixtures.js';
import { backends } from './backends.js';

const ALL = [...READ_INTERACTIONS, ...WRITE_INTERACTIONS];
const ward: AccessPolicy = {
  rules: [
    { type: 'Patient', interactions: ALL },
    { type: 'Observation', interactions: ALL },
  ],
};
const PATIENT_ROLE = { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' };

// What a read by id records: once, with the patient of the resource, whatever the outcome.
describe.each(backends)('a read and its audit record on %s', (backend) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it('record the patient the row is about, once, as the rest of the trail does', async () => {
    const opened = await openStore(backend);
    dispose = opened.dispose;
    const handle = opened.scoped(ward);
    const patient = await handle.create({ resourceType: 'Patient', name: [{ family: 'Trần' }] });
    const pa = `Patient/${patient.id}`;
    const obs = await handle.create(observation(pa));
    const orphan = await handle.create({ ...observation(pa), subject: { display: 'no patient' } });
    const before = (await opened.audit.list()).length;

    await handle.read('Observation', obs.id);
    await handle.read('Patient', patient.id);
    await handle.read('Observation', orphan.id);
    const [ofObservation, ofPatient, ofOrphan] = (await opened.audit.list()).slice(before) as AuditEvent[];

    for (const event of [ofObservation, ofPatient, ofOrphan]) {
      const checked = validateResource(event, 'AuditEvent');
      expect(checked.ok ? [] : checked.issues).toEqual([]);
      expect(event?.outcome).toBe('0');
      expect(event?.agent[0]?.who?.identifier?.value).toBe(nurse.agent.id);
      expect(event?.agent[0]?.network?.address).toBe(nurse.address);
    }
    expect(ofObservation?.entity).toEqual([
      { what: { reference: `Observation/${obs.id}` } },
      { what: { reference: pa }, role: PATIENT_ROLE },
    ]);
    expect(ofPatient?.entity).toEqual([{ what: { reference: pa } }]);
    expect(ofOrphan?.entity).toEqual([{ what: { reference: `Observation/${orphan.id}` } }]);
    // The patient column, which audit searches use, names the patient too.
    expect((await opened.audit.list({ patient: pa })).slice(-2).map((e) => e.id)).toEqual([
      ofObservation?.id,
      ofPatient?.id,
    ]);
  });

  it('record a refusal, a deleted and a missing resource once each, and never as a success', async () => {
    const opened = await openStore(backend);
    dispose = opened.dispose;
    const handle = opened.scoped(ward);
    const [a, b] = await Promise.all([
      handle.create({ resourceType: 'Patient', name: [{ family: 'A' }] }),
      handle.create({ resourceType: 'Patient', name: [{ family: 'B' }] }),
    ]);
    const obsOfB = await handle.create(observation(`Patient/${b?.id}`));
    const gone = await handle.create(observation(`Patient/${a?.id}`));
    await handle.delete('Observation', gone.id);
    const ofA = opened.scoped({ ...ward, compartment: [`Patient/${a?.id}`] });
    const before = (await opened.audit.list()).length;

    expect((await rejection(ofA.read('Observation', obsOfB.id))).status).toBe(403);
    expect((await rejection(ofA.read('Patient', b?.id as string))).status).toBe(403);
    expect((await rejection(ofA.read('Observation', gone.id))).status).toBe(410);
    expect((await rejection(ofA.read('Observation', 'missing'))).status).toBe(404);
    await ofA.read('Patient', a?.id as string);

    const events = (await opened.audit.list()).slice(before);
    expect(events.map((e) => [e.outcome, e.entity?.[0]?.what?.reference])).toEqual([
      ['4', `Observation/${obsOfB.id}`],
      ['4', `Patient/${b?.id}`],
      ['8', `Observation/${gone.id}`],
      ['8', 'Observation/missing'],
      ['0', `Patient/${a?.id}`],
    ]);
    // The refused reads name whose data was asked for.
    expect(events[0]?.entity?.find((e) => e.role?.code === '1')?.what?.reference).toBe(`Patient/${b?.id}`);
  });
});
