import {
  parseCitizenId,
  parseInsuranceCard,
  validateResource,
  vietnamIdentifierIssues,
  vnNamingSystems,
} from '@mekong/fhir';
import { describe, expect, it } from 'vitest';

describe('citizen ID (12 digits)', () => {
  it('reads province, sex and birth year', () => {
    expect(parseCitizenId('079301012345')).toEqual({
      ok: true,
      value: { value: '079301012345', province: { code: '79', name: 'Hồ Chí Minh' }, sex: 'female', birthYear: 2001 },
    });
    expect(parseCitizenId('001088000123')).toMatchObject({
      ok: true,
      value: { sex: 'male', birthYear: 1988, province: { name: 'Hà Nội' } },
    });
  });

  it.each([
    ['07930101234', 'must be exactly 12 digits'],
    ['0793010123456', 'must be exactly 12 digits'],
    ['07930101234a', 'must be exactly 12 digits'],
    [' 79301012345', 'must be exactly 12 digits'],
    ['003301012345', 'starts with 003, which is not a province code'],
    ['179301012345', 'starts with 179, which is not a province code'],
  ])('rejects %j', (value, reason) => {
    expect(parseCitizenId(value)).toEqual({ ok: false, reason });
  });
});

describe('health-insurance card (15 characters)', () => {
  it('reads group, benefit level, province and social-insurance number', () => {
    expect(parseInsuranceCard('DN4010123456789')).toEqual({
      ok: true,
      value: {
        value: 'DN4010123456789',
        group: 'DN',
        benefitLevel: 4,
        provinceCode: '01',
        provinceName: 'Hà Nội',
        socialInsuranceNumber: '0123456789',
      },
    });
    expect(parseInsuranceCard('QN5970123456789')).toMatchObject({
      ok: true,
      value: { provinceCode: '97', provinceName: undefined },
    });
  });

  it.each([
    ['DN401012345678', 'must be 15 characters, found 14'],
    ['DN6010123456789', 'must be 2 capital letters'],
    ['dn4010123456789', 'must be 2 capital letters'],
    ['DN4A10123456789', 'must be 2 capital letters'],
    ['DN4030123456789', 'has 03 in the province position, which is not a province code'],
  ])('rejects %j', (value, reason) => {
    const result = parseInsuranceCard(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  it('accepts other issuers when told', () => {
    expect(parseInsuranceCard('CA5990123456789').ok).toBe(false);
    expect(parseInsuranceCard('CA5990123456789', { otherIssuers: ['99'] }).ok).toBe(true);
  });
});

describe('vietnamIdentifierIssues', () => {
  it('finds malformed Vietnamese identifiers anywhere in a resource, with their paths', () => {
    const patient = {
      resourceType: 'Patient',
      identifier: [
        { system: vnNamingSystems.citizenId, value: '079301012345' },
        { system: vnNamingSystems.insuranceNumber, value: 'DN40101234' },
        { system: 'urn:oid:1.2.3', value: 'anything goes' },
      ],
      contained: [{ resourceType: 'Patient', identifier: [{ system: vnNamingSystems.nationalId, value: '12345' }] }],
    };
    expect(validateResource(patient).ok).toBe(true);
    expect(vietnamIdentifierIssues(patient)).toEqual([
      {
        path: 'Patient.identifier[1].value',
        message: 'must be 15 characters, found 10 (http://fhir.ehealth.gov.vn/core/sid/insurance_number)',
      },
      {
        path: 'Patient.contained[0].identifier[0].value',
        message: 'must be exactly 12 digits (http://fhir.ehealth.gov.vn/core/sid/national_id)',
      },
    ]);
  });
});
