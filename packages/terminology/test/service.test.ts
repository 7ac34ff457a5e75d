import {
  type CodeSystemDefinition,
  InMemoryTerminology,
  TerminologyError,
  type ValueSetDefinition,
} from '@mekong/terminology';
import { describe, expect, it } from 'vitest';

const DRUGS = 'https://example.org/CodeSystem/bhyt-thuoc';
// A BHYT-style catalogue in two versions: a decision withdrew one drug and added another.
const v2024: CodeSystemDefinition = {
  id: 'thuoc-2024',
  url: DRUGS,
  version: '2024',
  name: 'Thuoc',
  valueSet: `${DRUGS}/vs`,
  concepts: [
    { code: '40.17', display: 'Paracetamol', properties: { group: 'giam-dau' } },
    { code: '40.18', display: 'Ibuprofen', properties: { group: 'giam-dau' }, effective: { to: '2024-06-30' } },
    { code: '40.50', display: 'Amoxicilin', properties: { group: 'khang-sinh' } },
  ],
};
const v2025: CodeSystemDefinition = {
  ...v2024,
  id: 'thuoc-2025',
  version: '2025',
  concepts: [
    ...v2024.concepts.filter((c) => c.code !== '40.18'),
    { code: '40.60', display: 'Cefuroxim', properties: { group: 'khang-sinh' }, effective: { from: '2025-03-01' } },
  ],
};
const many: CodeSystemDefinition = {
  id: 'many',
  url: 'https://example.org/many',
  version: '1',
  name: 'Many',
  valueSet: 'https://example.org/many/vs',
  concepts: Array.from({ length: 25 }, (_, i) => ({ code: `M${String(i).padStart(2, '0')}`, display: `Mục số ${i}` })),
};
const painkillers: ValueSetDefinition = {
  id: 'giam-dau',
  url: 'https://example.org/ValueSet/giam-dau',
  version: '1',
  name: 'GiamDau',
  include: [{ system: DRUGS, version: '2024', filter: [{ property: 'group', value: 'giam-dau' }] }],
};
const mixed: ValueSetDefinition = {
  id: 'mixed',
  url: 'https://example.org/ValueSet/mixed',
  version: '1',
  name: 'Mixed',
  include: [{ system: DRUGS }, { system: many.url, concepts: ['M03', 'M01'] }],
  exclude: [{ system: DRUGS, concepts: ['40.50'] }],
};

const terminology = new InMemoryTerminology([v2024, v2025, many], [painkillers, mixed], { today: () => '2025-06-01' });

describe('$expand', () => {
  it('pages: total counts every match, offset and count choose the page', () => {
    const page = terminology.expand({ valueSet: many.valueSet as string, offset: 20, count: 3 });
    expect([page.total, page.offset, page.contains.map((c) => c.code)]).toEqual([25, 20, ['M20', 'M21', 'M22']]);
    const last = terminology.expand({ valueSet: many.valueSet as string, offset: 24, count: 3 });
    expect(last.contains.map((c) => c.code)).toEqual(['M24']);
    const beyond = terminology.expand({ valueSet: many.valueSet as string, offset: 30 });
    expect([beyond.total, beyond.contains]).toEqual([25, []]);
  });

  it('filters, then pages the matches', () => {
    const found = terminology.expand({ valueSet: many.valueSet as string, filter: 'muc so 1', count: 2, offset: 1 });
    // "1" is a prefix of 1 and 10..19.
    expect([found.total, found.contains.map((c) => c.code)]).toEqual([11, ['M10', 'M11']]);
  });

  it('takes the newest version by default and lists only codes valid on the date', () => {
    const today = terminology.expand({ valueSet: v2024.valueSet as string });
    expect([today.version, today.date, today.contains.map((c) => c.code)]).toEqual([
      '2025',
      '2025-06-01',
      ['40.17', '40.50', '40.60'],
    ]);
    const before = terminology.expand({ valueSet: v2024.valueSet as string, date: '2025-02-28' });
    expect(before.contains.map((c) => c.code)).toEqual(['40.17', '40.50']);
    const old = terminology.expand({
      valueSet: v2024.valueSet as string,
      valueSetVersion: '2024',
      date: '2024-07-01T08:00:00+07:00',
    });
    expect(old.contains.map((c) => c.code)).toEqual(['40.17', '40.50']); // ibuprofen ended on 2024-06-30
    const older = terminology.expand({
      valueSet: v2024.valueSet as string,
      valueSetVersion: '2024',
      date: '2024-06-30',
    });
    expect(older.contains.map((c) => c.code)).toEqual(['40.17', '40.18', '40.50']);
  });

  it('follows value set includes (property filters, listed codes in their order) and excludes', () => {
    expect(terminology.expand({ valueSet: painkillers.url, date: '2024-01-01' }).contains.map((c) => c.code)).toEqual([
      '40.17',
      '40.18',
    ]);
    const expanded = terminology.expand({ valueSet: mixed.url });
    expect(expanded.contains.map((c) => `${c.system}|${c.code}`)).toEqual([
      `${DRUGS}|40.17`,
      `${DRUGS}|40.60`,
      `${many.url}|M03`,
      `${many.url}|M01`,
    ]);
  });

  it('refuses an unknown value set (404) and a date that is not one (400)', () => {
    expect(() => terminology.expand({ valueSet: 'https://nowhere' })).toThrow(
      expect.objectContaining({ status: 404, parameter: 'url', message: 'no value set https://nowhere is loaded' }),
    );
    expect(() => terminology.expand({ valueSet: mixed.url, date: '1/6/2025' })).toThrow(
      expect.objectContaining({ status: 400, parameter: 'date' }),
    );
    expect(() => terminology.expand({ valueSet: mixed.url, valueSetVersion: '9' })).toThrow(TerminologyError);
  });
});

describe('$validate-code', () => {
  it('checks a code against a code system version on a date', () => {
    expect(terminology.validateCode({ system: DRUGS, code: '40.17' })).toEqual({
      result: true,
      display: 'Paracetamol',
      system: DRUGS,
      version: '2025',
    });
    expect(terminology.validateCode({ system: DRUGS, code: '40.18' })).toMatchObject({
      result: false,
      message: `code '40.18' is not in ${DRUGS} version 2025`,
    });
    expect(terminology.validateCode({ system: DRUGS, version: '2024', code: '40.18', date: '2024-08-01' })).toEqual({
      result: false,
      display: 'Ibuprofen',
      system: DRUGS,
      version: '2024',
      message: `code '40.18' of ${DRUGS} is valid until 2024-06-30, not on 2024-08-01`,
    });
    expect(terminology.validateCode({ system: DRUGS, code: '40.60', date: '2025-02-01' }).message).toBe(
      `code '40.60' of ${DRUGS} is valid from 2025-03-01, not on 2025-02-01`,
    );
  });

  it('checks a display against the display and designations, case and spacing aside', () => {
    expect(terminology.validateCode({ system: DRUGS, code: '40.17', display: ' paracetamol ' }).result).toBe(true);
    expect(terminology.validateCode({ system: DRUGS, code: '40.17', display: 'Panadol' })).toMatchObject({
      result: false,
      message: `the display 'Panadol' is not a name of code '40.17' of ${DRUGS}, whose display is 'Paracetamol'`,
    });
  });

  it('checks membership of a value set, its excludes, and needs the system when it draws on several', () => {
    expect(
      terminology.validateValueSetCode({ valueSet: painkillers.url, code: '40.18', date: '2024-01-01' }).result,
    ).toBe(true);
    expect(terminology.validateValueSetCode({ valueSet: painkillers.url, code: '40.50' })).toMatchObject({
      result: false,
      message: `code '40.50' of ${DRUGS} is not in value set ${painkillers.url} version 1`,
    });
    expect(terminology.validateValueSetCode({ valueSet: mixed.url, system: DRUGS, code: '40.50' }).result).toBe(false);
    expect(terminology.validateValueSetCode({ valueSet: mixed.url, system: many.url, code: 'M01' }).result).toBe(true);
    expect(terminology.validateValueSetCode({ valueSet: mixed.url, system: many.url, code: 'M02' }).result).toBe(false);
    expect(() => terminology.validateValueSetCode({ valueSet: mixed.url, code: 'M01' })).toThrow(
      expect.objectContaining({ status: 400, parameter: 'system' }),
    );
  });
});

describe('$lookup', () => {
  it('answers the concept of the version asked for, and 404 for an unknown code or system', () => {
    expect(terminology.lookup({ system: DRUGS, version: '2024', code: '40.18' })).toEqual({
      name: 'Thuoc',
      system: DRUGS,
      version: '2024',
      code: '40.18',
      display: 'Ibuprofen',
      designations: [],
      properties: [{ code: 'group', value: 'giam-dau' }],
      effective: { to: '2024-06-30' },
    });
    expect(() => terminology.lookup({ system: DRUGS, code: '40.18' })).toThrow(
      expect.objectContaining({ status: 404, parameter: 'code' }),
    );
    expect(() => terminology.lookup({ system: 'urn:x', code: '1' })).toThrow(
      expect.objectContaining({ status: 404, parameter: 'system' }),
    );
  });
});

describe('loading', () => {
  it('refuses a code system version or id loaded twice, and value sets over what is not loaded', () => {
    const today = { today: () => '2025-01-01' };
    expect(() => new InMemoryTerminology([v2024, { ...v2024, id: 'other' }], [], today)).toThrow(
      `code system ${DRUGS} version 2024 is loaded twice`,
    );
    expect(() => new InMemoryTerminology([v2024, { ...v2025, id: v2024.id }], [], today)).toThrow(
      "two code systems have the id 'thuoc-2024'",
    );
    expect(() => new InMemoryTerminology([many], [painkillers], today)).toThrow(
      `value set '${painkillers.url}' draws on code system ${DRUGS} version 2024, which is not loaded`,
    );
    const unknownCode = { ...mixed, include: [{ system: many.url, concepts: ['M99'] }] };
    expect(() => new InMemoryTerminology([many], [unknownCode], today)).toThrow(
      `value set '${mixed.url}' lists the code 'M99', which ${many.url} version 1 does not have`,
    );
  });
});
