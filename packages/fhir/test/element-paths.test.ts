import { closestNames, resolveElementPath, resourceTypes } from '@mekong/fhir';
import { describe, expect, it } from 'vitest';

const found = (type: string, path: string) => {
  const result = resolveElementPath(type, path);
  if (!result.ok) throw new Error(result.message);
  return { element: result.element, properties: result.properties };
};
const refused = (type: string, path: string) => {
  const result = resolveElementPath(type, path);
  if (result.ok) throw new Error(`${type} ${path} was accepted`);
  return result;
};

describe('resolveElementPath accepts', () => {
  it.each([
    ['Patient', 'telecom', 'telecom', ['telecom']],
    ['Patient', 'identifier', 'identifier', ['identifier']],
    // A primitive brings its `_` companion, which holds its id and extensions.
    ['Patient', 'birthDate', 'birthDate', ['birthDate', '_birthDate']],
    // Through an array of backbone elements, then of a datatype.
    ['Patient', 'contact.telecom', 'contact.telecom', ['contact.telecom']],
    ['Patient', 'contact.name.family', 'contact.name.family', ['contact.name.family', 'contact.name._family']],
    ['Patient', 'name.given', 'name.given', ['name.given', 'name._given']],
    ['Patient', 'telecom.value', 'telecom.value', ['telecom.value', 'telecom._value']],
    ['Patient', 'meta.security', 'meta.security', ['meta.security']],
    ['Patient', 'address.city', 'address.city', ['address.city', 'address._city']],
    [
      'Encounter',
      'hospitalization.dischargeDisposition',
      'hospitalization.dischargeDisposition',
      ['hospitalization.dischargeDisposition'],
    ],
    // Elements every resource has, and recursive backbone elements.
    ['Binary', 'meta.security', 'meta.security', ['meta.security']],
    ['Questionnaire', 'item.item.linkId', 'item.item.linkId', ['item.item.linkId', 'item.item._linkId']],
  ])('%s.%s', (type, path, element, properties) => {
    expect(found(type, path)).toEqual({ element, properties });
  });

  it('a choice by one form, covering that form', () => {
    expect(found('Patient', 'deceasedBoolean')).toEqual({
      element: 'deceased',
      properties: ['deceasedBoolean', '_deceasedBoolean'],
    });
    expect(found('Observation', 'valueQuantity')).toEqual({ element: 'value', properties: ['valueQuantity'] });
  });

  it('a choice by its base, covering every form', () => {
    expect(found('Patient', 'deceased')).toEqual({
      element: 'deceased',
      properties: ['deceasedBoolean', '_deceasedBoolean', 'deceasedDateTime', '_deceasedDateTime'],
    });
    const value = found('Observation', 'component.value');
    expect(value.element).toBe('component.value');
    expect(value.properties).toContain('component.valueQuantity');
    expect(value.properties).toContain('component.valueString');
    expect(value.properties).toContain('component._valueString');
    expect(value.properties).toHaveLength(16);
  });

  it('inside one form of a choice', () => {
    expect(found('Observation', 'valueQuantity.code')).toEqual({
      element: 'value.code',
      properties: ['valueQuantity.code', 'valueQuantity._code'],
    });
  });
});

describe('resolveElementPath refuses, saying why and what to write', () => {
  it.each([
    // Typos and wrong case, with the closest names.
    ['Patient', 'telcom', "Patient has no element 'telcom'; did you mean 'telecom'?", ['telecom'], 0],
    ['Patient', 'Telecom', "Patient has no element 'Telecom'; did you mean 'telecom'?", ['telecom'], 0],
    ['Patient', 'birthdate', "Patient has no element 'birthdate'; did you mean 'birthDate'?", ['birthDate'], 0],
    [
      'Patient',
      'contact.telcom',
      "Patient.contact has no element 'telcom'; did you mean 'contact.telecom'?",
      ['contact.telecom'],
      1,
    ],
    [
      'Patient',
      'deceasedBool',
      "Patient has no element 'deceasedBool'; did you mean 'deceasedBoolean' or 'deceased'?",
      ['deceasedBoolean', 'deceased'],
      0,
    ],
    ['Patient', 'xyz', "Patient has no element 'xyz'", [], 0],
    // Paths through a primitive or into contained resources.
    [
      'Patient',
      'birthDate.value',
      "Patient.birthDate is a primitive value, with no elements inside: name 'birthDate' itself",
      ['birthDate'],
      1,
    ],
    [
      'Patient',
      'contained.name',
      "Patient.contained holds whole resources, of any type, which paths do not enter: name 'contained' itself",
      ['contained'],
      1,
    ],
    // The definition's notation, the resource's own name, companions, resourceType, empty segments.
    [
      'Observation',
      'value[x]',
      "'value[x]' is how the definition writes the choice Observation.value[x]: name 'value' for every form, or one form such as 'valueQuantity'",
      ['value'],
      0,
    ],
    [
      'Patient',
      'Patient.telecom',
      "paths start inside the resource: write 'telecom', not 'Patient.telecom'",
      ['telecom'],
      0,
    ],
    [
      'Patient',
      '_birthDate',
      "'_birthDate' holds the id and extensions of Patient.birthDate: name 'birthDate', which covers both",
      ['birthDate'],
      0,
    ],
    [
      'Patient',
      'resourceType',
      "'resourceType' says which resource it is; it is not an element: name one, such as 'identifier'",
      [],
      0,
    ],
    [
      'Patient',
      'contact..telecom',
      "'contact..telecom' has an empty segment: separate element names by single dots, as in 'contact.telecom'",
      [],
      0,
    ],
    ['Patient', '', "'' has an empty segment: separate element names by single dots, as in 'contact.telecom'", [], 0],
    // Not a resource type: a typo, wrong case, a datatype.
    ['Patinet', 'telecom', "'Patinet' is not a FHIR R4 resource type; did you mean 'Patient'?", ['Patient'], 0],
    ['patient', 'telecom', "'patient' is not a FHIR R4 resource type; did you mean 'Patient'?", ['Patient'], 0],
    ['ContactPoint', 'value', "'ContactPoint' is not a FHIR R4 resource type", [], 0],
  ])('%s %j', (type, path, message, suggestions, depth) => {
    expect(refused(type, path)).toEqual({ ok: false, message, suggestions, depth });
  });

  it('entering a choice by its base, naming its forms', () => {
    const result = refused('Observation', 'value.code');
    expect(result.message).toBe(
      "Observation.value is a choice of types (valueQuantity, valueCodeableConcept, valueString, valueBoolean, valueInteger, ...): to go inside, name one form, such as 'valueQuantity.code'",
    );
    expect(result.suggestions).toContain('valueQuantity');
  });
});

describe('closestNames', () => {
  it('finds the same name in another case first, then near misses, at most the limit', () => {
    expect(closestNames('birthdate', ['birthDate', 'birthTime'])).toEqual(['birthDate', 'birthTime']);
    expect(closestNames('adress', ['address', 'active', 'link'])).toEqual(['address']);
    expect(closestNames('gendre', ['gender'])).toEqual(['gender']); // two letters swapped
    expect(closestNames('Patinet', resourceTypes)).toEqual(['Patient']);
    expect(closestNames('aa', ['ab', 'ac', 'ad', 'ae'], 2)).toEqual(['ab', 'ac']);
  });

  it('finds nothing when no name is close', () => {
    expect(closestNames('xyz', ['telecom', 'name'])).toEqual([]);
    expect(closestNames('telecom', [])).toEqual([]);
  });
});
