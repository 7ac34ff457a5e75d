import type { Observation, Patient, Practitioner } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  checkAccessPolicy,
  InvalidAccessPolicyError,
  READ_INTERACTIONS,
  type ResourceRule,
  ruleForType,
  ruleProblems,
  WRITE_INTERACTIONS,
} from '../src/index.js';
import { observation, openStore, rejection } from './access-fixtures.js';

const ALL = [...READ_INTERACTIONS, ...WRITE_INTERACTIONS];
const hiding = (type: string, ...hiddenFields: string[]): ResourceRule => ({
  type,
  interactions: ['read'],
  hiddenFields,
});
const messages = (rule: ResourceRule) => ruleProblems(rule).map((p) => `${p.path.join('.')} ${p.value}: ${p.message}`);

describe('the paths of a rule', () => {
  it.each([
    ['Patient', ['telecom', 'contact.telecom', 'name.family', 'meta.security', 'address.city']],
    // A choice by its base (every form) or by one form; inside one form.
    ['Patient', ['deceased', 'deceasedBoolean', 'deceasedDateTime', 'multipleBirth']],
    ['Observation', ['value', 'valueQuantity.value', 'component.value', 'component.code']],
    ['Encounter', ['diagnosis', 'reasonCode', 'hospitalization.dischargeDisposition']],
    // `*`: an element of at least one type, applied where the type has it.
    ['*', ['meta.security', 'telecom', 'contact.telecom', 'deceased', 'valueQuantity']],
  ])('accepts %s %j', (type, paths) => {
    expect(ruleProblems({ type, interactions: ['read'], hiddenFields: paths, readonlyFields: paths })).toEqual([]);
  });

  it('refuses a typo, the wrong case, a path through a primitive, the definition notation, naming each', () => {
    expect(
      messages({
        type: 'Patient',
        interactions: ['read', 'update'],
        hiddenFields: ['telcom', 'Telecom', 'contact.telcom'],
        readonlyFields: ['birthDate.value', 'deceased[x]', 'Patient.link'],
      }),
    ).toEqual([
      "hiddenFields.0 telcom: Patient has no element 'telcom'; did you mean 'telecom'?",
      "hiddenFields.1 Telecom: Patient has no element 'Telecom'; did you mean 'telecom'?",
      "hiddenFields.2 contact.telcom: Patient.contact has no element 'telcom'; did you mean 'contact.telecom'?",
      "readonlyFields.0 birthDate.value: Patient.birthDate is a primitive value, with no elements inside: name 'birthDate' itself",
      "readonlyFields.1 deceased[x]: 'deceased[x]' is how the definition writes the choice Patient.deceased[x]: name 'deceased' for every form, or one form such as 'deceasedBoolean'",
      "readonlyFields.2 Patient.link: paths start inside the resource: write 'link', not 'Patient.link'",
    ]);
  });

  it('refuses a type that is not a FHIR R4 resource type, with or without fields', () => {
    expect(messages(hiding('Patinet', 'telecom'))).toEqual([
      `type Patinet: 'Patinet' is not a FHIR R4 resource type (nor "*" for every type); did you mean 'Patient'?`,
    ]);
    expect(messages({ type: 'patient', interactions: ['read'] })).toEqual([
      `type patient: 'patient' is not a FHIR R4 resource type (nor "*" for every type); did you mean 'Patient'?`,
    ]);
  });

  it('refuses a path of a * rule that no type has, from the types where it got furthest', () => {
    expect(messages(hiding('*', 'telcom', 'contact.telcom', 'birthDate.value', 'xyz'))).toEqual([
      "hiddenFields.0 telcom: no resource type has the element 'telcom'; did you mean 'telecom'?",
      "hiddenFields.1 contact.telcom: no resource type has the element 'contact.telcom' (ActivityDefinition.contact has no element 'telcom'; did you mean 'contact.telecom'?)",
      "hiddenFields.2 birthDate.value: no resource type has the element 'birthDate.value' (Patient.birthDate is a primitive value, with no elements inside: name 'birthDate' itself)",
      "hiddenFields.3 xyz: no resource type has the element 'xyz'",
    ]);
  });
});

describe('checkAccessPolicy', () => {
  it('names the owner, each rule, its field, path and type, and what to write instead', () => {
    const policy: AccessPolicy = {
      rules: [
        { type: 'Patient', interactions: ['read'] },
        hiding('Patient', 'telecom', 'telcom'),
        { type: 'Encounter', interactions: ['update'], readonlyFields: ['reasonCod'] },
      ],
    };
    const error = (() => {
      try {
        checkAccessPolicy(policy, "role 'receptionist'");
      } catch (thrown) {
        return thrown as InvalidAccessPolicyError;
      }
      throw new Error('the policy was accepted');
    })();
    expect(error).toBeInstanceOf(InvalidAccessPolicyError);
    expect(error.code).toBe('ACCESS_POLICY_INVALID');
    expect(error.problems).toEqual([
      "rules.1.hiddenFields.1 'telcom' (Patient): Patient has no element 'telcom'; did you mean 'telecom'?",
      "rules.2.readonlyFields.0 'reasonCod' (Encounter): Encounter has no element 'reasonCod'; did you mean 'reasonCode'?",
    ]);
    expect(error.message).toMatch(
      /^the access policy of role 'receptionist' names fields that do not exist, so they would hide or protect nothing:\n {2}- rules\.1\.hiddenFields\.1 'telcom'/,
    );
    expect(error.hint).toMatch(/dotted from the resource \(telecom, contact\.telecom, meta\.security\)/);
  });

  it('accepts a policy whose rules name existing fields, and rules of unknown types without fields', () => {
    // A plugin's declared types become rules without fields: an unknown one allows nothing, and hides nothing.
    expect(() =>
      checkAccessPolicy({
        rules: [hiding('Patient', 'telecom', 'deceased'), { type: 'Patinet', interactions: ['read'] }],
      }),
    ).not.toThrow();
  });
});

describe('ruleForType', () => {
  it('makes a * rule one for a type, keeping the fields the type has; leaves other rules as they are', () => {
    const everyone: ResourceRule = {
      type: '*',
      interactions: ['read', 'update'],
      hiddenFields: ['telecom', 'meta.tag'],
      readonlyFields: ['telecom'],
    };
    expect(ruleForType(everyone, 'Observation')).toEqual({
      type: 'Observation',
      interactions: ['read', 'update'],
      hiddenFields: ['meta.tag'],
    });
    expect(ruleForType(everyone, 'Patient')).toEqual({ ...everyone, type: 'Patient' });
    expect(ruleForType(everyone, '*')).toBe(everyone);
    const named = hiding('Patient', 'telecom');
    expect(ruleForType(named, 'Observation')).toBe(named);
  });
});

describe('a store handle', () => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });
  const open = async () => {
    const opened = await openStore('postgres');
    dispose = opened.dispose;
    return opened;
  };

  it('is refused for a policy with a path that names nothing, naming the caller; a 500: the mistake is not theirs', async () => {
    const { scoped } = await open();
    const error = await rejection(Promise.resolve().then(() => scoped({ rules: [hiding('*', 'telcom')] })));
    expect(error).toBeInstanceOf(InvalidAccessPolicyError);
    expect(error.status).toBe(500);
    expect(() => scoped({ rules: [hiding('Patient', 'telcom')] })).toThrow(
      /^the access policy of user 'u-lan' \(client 'ward-tablet'\) names fields that do not exist.*\n {2}- rules\.0\.hiddenFields\.0 'telcom' \(Patient\): Patient has no element 'telcom'; did you mean 'telecom'\?/,
    );
  });

  it('hides every form of a choice named by its base, and primitives with their extensions', async () => {
    const { store, scoped } = await open();
    const stored = await store.create<Patient>({
      resourceType: 'Patient',
      deceasedDateTime: '2024-05-01',
      _deceasedDateTime: { extension: [{ url: 'http://example.org/source', valueString: 'family' }] },
      birthDate: '1950',
      _birthDate: { extension: [{ url: 'http://example.org/estimated', valueBoolean: true }] },
      gender: 'female',
    });
    const handle = scoped({ rules: [{ type: 'Patient', interactions: ALL, hiddenFields: ['deceased', 'birthDate'] }] });
    const seen = await handle.read('Patient', stored.id);
    expect(Object.keys(seen).filter((key) => /deceased|birth/i.test(key))).toEqual([]);
    expect(seen.gender).toBe('female');
    // Written back from what it saw: the hidden values and their extensions stay.
    await handle.update({ ...seen, gender: 'other' });
    expect(await store.read('Patient', stored.id)).toMatchObject({
      gender: 'other',
      deceasedDateTime: '2024-05-01',
      _deceasedDateTime: { extension: [{ valueString: 'family' }] },
      _birthDate: { extension: [{ valueBoolean: true }] },
    });
    await expect(handle.search('Patient', { birthdate: '1950' })).rejects.toThrow(
      /the search parameter 'birthdate' reads Patient\.birthDate, which its access policy hides/,
    );
  });

  it('refuses a search over a choice when one of its forms is hidden', async () => {
    const { store, scoped } = await open();
    const subject = `Patient/${(await store.create({ resourceType: 'Patient' })).id}`;
    await store.create<Observation>(observation(subject, { valueQuantity: { value: 39.5, unit: 'Cel' } }));
    const handle = scoped({
      rules: [{ type: 'Observation', interactions: ['search'], hiddenFields: ['valueQuantity'] }],
    });
    const found = await handle.search('Observation', { subject });
    expect((found.entry?.[0]?.resource as Observation | undefined)?.valueQuantity).toBeUndefined();
    await expect(handle.search('Observation', { 'value-quantity': 'gt39' })).rejects.toThrow(
      /the search parameter 'value-quantity' reads Observation\.value, which its access policy hides/,
    );
  });

  it('applies a * rule’s paths to the types that have them', async () => {
    const { store, scoped } = await open();
    const telecom = [{ system: 'phone' as const, value: '0901111111' }];
    const patient = await store.create<Patient>({ resourceType: 'Patient', telecom, gender: 'male' });
    const doctor = await store.create<Practitioner>({ resourceType: 'Practitioner', telecom, gender: 'female' });
    const heart = await store.create(observation(`Patient/${patient.id}`));
    const handle = scoped({ rules: [hiding('*', 'telecom')] });
    expect(await handle.read('Patient', patient.id)).not.toHaveProperty('telecom');
    expect((await handle.read('Practitioner', doctor.id)).gender).toBe('female');
    expect(await handle.read('Practitioner', doctor.id)).not.toHaveProperty('telecom');
    expect((await handle.read('Observation', heart.id)).status).toBe('final');
  });
});
