import { FhirValidationError, parseResource, validateResource } from '@mekong/fhir';
import { describe, expect, it } from 'vitest';

const patient = (extra: Record<string, unknown>) => ({ resourceType: 'Patient', id: 'p1', ...extra });
const issues = (input: unknown, expected?: 'Patient' | 'Observation') => {
  const result = validateResource(input, expected);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('validateResource rejects, with the exact path', () => {
  it.each([
    ['birthDate', '1990-13-01', 'Patient.birthDate: must be a date: YYYY, YYYY-MM or YYYY-MM-DD'],
    ['birthDate', '2023-02-29', 'Patient.birthDate: is not a date on the calendar'],
    ['birthDate', '01/02/1990', 'Patient.birthDate: must be a date: YYYY, YYYY-MM or YYYY-MM-DD'],
    ['deceasedDateTime', '2024-05-01T10:00:00', 'Patient.deceasedDateTime: must be a dateTime'],
    ['id', 'has space', 'Patient.id: must be an id: 1 to 64 letters, digits, "-" or "."'],
    ['id', 'x'.repeat(65), 'Patient.id: must be an id'],
    ['gender', 'unknown-gender', 'Patient.gender: Invalid option: expected one of "male"|"female"|"other"|"unknown"'],
    ['language', 'vi  VN', 'Patient.language: must be a code'],
    ['active', 'true', 'Patient.active: Invalid input: expected boolean, received string'],
    ['multipleBirthInteger', 1.5, 'Patient.multipleBirthInteger: Invalid input: expected int, received number'],
  ])('a wrong primitive format: %s = %j', (field, value, message) => {
    expect(issues(patient({ [field]: value })).join('\n')).toContain(message);
  });

  it('a wrong decimal and a string where a number belongs', () => {
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'SpO2' },
      valueQuantity: { value: '98', unit: '%' },
      referenceRange: [{ low: { value: Number.NaN } }],
    };
    expect(issues(observation)).toEqual([
      'Observation.valueQuantity.value: Invalid input: expected number, received string',
      'Observation.referenceRange[0].low.value: Invalid input: expected number, received NaN',
    ]);
  });

  it('unknown elements, at the top and nested', () => {
    expect(issues(patient({ nmae: [], name: [{ family: 'Nguyễn', giveen: ['An'] }] }))).toEqual([
      'Patient.name[0].giveen: is not a known element',
      'Patient.nmae: is not a known element',
    ]);
  });

  it('missing required elements, including required choice types', () => {
    expect(issues({ resourceType: 'Observation', code: { text: 'x' } })).toEqual(['Observation.status: is required']);
    expect(issues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, component: [{}] })).toEqual([
      'Observation.component[0].code: Invalid input: expected object, received undefined',
    ]);
    expect(
      issues({ resourceType: 'Claim' })
        .map((i) => i.split(':')[0])
        .sort(),
    ).toEqual([
      'Claim.created',
      'Claim.insurance',
      'Claim.patient',
      'Claim.priority',
      'Claim.provider',
      'Claim.status',
      'Claim.type',
      'Claim.use',
    ]);
  });

  it('wrong cardinality: a single value where a list belongs, a list where one value belongs, an empty list', () => {
    expect(issues(patient({ name: { family: 'Trần' } }))).toEqual([
      'Patient.name: Invalid input: expected array, received object',
    ]);
    expect(issues(patient({ birthDate: ['1990'] }))).toEqual([
      'Patient.birthDate: Invalid input: expected string, received array',
    ]);
    expect(issues(patient({ identifier: [] }))).toEqual([
      'Patient.identifier: must not be an empty array: omit the element instead',
    ]);
  });

  it('two values of one choice type', () => {
    expect(issues(patient({ deceasedBoolean: true, deceasedDateTime: '2024-01-01' }))).toEqual([
      'Patient.deceasedDateTime: only one of deceased[x] may be present, found deceasedBoolean and deceasedDateTime',
    ]);
  });

  it('a resourceType that does not match, is unknown, or is missing', () => {
    expect(issues({ resourceType: 'Observation' }, 'Patient')).toEqual([
      "resourceType: must be 'Patient' here, found 'Observation'",
    ]);
    expect(issues({ resourceType: 'Patientt' })[0]).toMatch(/^resourceType: 'Patientt' is not supported/);
    expect(issues({ id: 'x' })).toEqual(['resourceType: is required and must be a string']);
    expect(issues([1, 2])).toEqual([': must be a JSON object with a resourceType']);
    expect(issues(patient({ contained: [{ resourceType: 'Nope' }] }))[0]).toMatch(
      /^Patient\.contained\[0\]\.resourceType: resourceType must be one of the supported types/,
    );
  });

  it('invalid contained resources, with the path into them', () => {
    expect(issues(patient({ contained: [{ resourceType: 'Organization', id: 'org', active: 'yes' }] }))).toEqual([
      'Patient.contained[0].active: Invalid input: expected boolean, received string',
    ]);
  });

  it.each([
    [
      '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>',
      'must not contain a <script> element',
    ],
    [
      '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="steal()">x</p></div>',
      'must not contain an event handler attribute (onclick)',
    ],
    [
      '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:steal()">x</a></div>',
      'must not contain an active URL in href',
    ],
    ['<div xmlns="http://www.w3.org/1999/xhtml"><form action="/x"></form></div>', 'must not contain a <form> element'],
    ['<p>not a div</p>', 'must be a single <div> element'],
    ['<div xmlns="http://www.w3.org/1999/xhtml"><b>unclosed</div>', 'is not well-formed XHTML'],
  ])('unsafe or malformed narrative: %s', (div, message) => {
    expect(issues(patient({ text: { status: 'generated', div } })).join('\n')).toContain(
      `Patient.text.div: ${message}`,
    );
  });

  const UNICODE = 'must be valid Unicode text: no NUL character (\\u0000) and no unpaired surrogate (\\uD800-\\uDFFF)';

  it.each([
    ['a lone high surrogate', { name: [{ family: 'Nguy\uD800n' }] }, 'Patient.name[0].family'],
    ['a high surrogate at the end', { name: [{ given: ['An', 'B\uDBFF'] }] }, 'Patient.name[0].given[1]'],
    ['a lone low surrogate', { name: [{ text: '\uDC00x' }] }, 'Patient.name[0].text'],
    ['swapped surrogates', { address: [{ city: '\uDE00\uD83D' }] }, 'Patient.address[0].city'],
    ['NUL in a uri', { identifier: [{ system: 'urn:x\u0000', value: '1' }] }, 'Patient.identifier[0].system'],
    ['NUL in a code', { language: 'vi\u0000' }, 'Patient.language'],
    ['a lone surrogate in an id', { id: 'a\uD800' }, 'Patient.id'],
    ['NUL in a date', { birthDate: '1990\u0000' }, 'Patient.birthDate'],
    [
      'NUL in a narrative',
      { text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">a\u0000</div>' } },
      'Patient.text.div',
    ],
    [
      'a lone surrogate in a contained resource',
      { contained: [{ resourceType: 'Practitioner', id: 'd', name: [{ family: '\uD800' }] }] },
      'Patient.contained[0].name[0].family',
    ],
  ])('text that is not valid Unicode: %s', (_, extra, path) => {
    expect(issues(patient(extra))).toEqual([`${path}: ${UNICODE}`]);
  });

  it('accepts characters outside the BMP (surrogate pairs) and Vietnamese text', () => {
    expect(issues(patient({ name: [{ family: 'Nguyễn 😀 𠀀' }] }))).toEqual([]);
  });

  const xhtml = (inner: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
  it.each([
    [`<!DOCTYPE div>${xhtml('a')}`, 'a DOCTYPE declaration'],
    [`<!DOCTYPE div SYSTEM "http://x/y.dtd">${xhtml('a')}`, 'a DOCTYPE declaration'],
    [`<!DOCTYPE div [<!ENTITY a SYSTEM "file:///etc/passwd">]>${xhtml('&a;')}`, 'a DOCTYPE declaration'],
    [`<!DOCTYPE div [<!ENTITY % a SYSTEM "file:///etc/passwd"> %a;]>${xhtml('a')}`, 'a DOCTYPE declaration'],
    [`<!DOCTYPE div [<!ENTITY a "&b;&b;"><!ENTITY b "&c;&c;">]>${xhtml('&a;')}`, 'a DOCTYPE declaration'],
    [`<!DOCTYPE div [<!FOO>]>${xhtml('a')}`, 'a DOCTYPE declaration'],
    [`<!DOCTYPE div [${xhtml('a')}`, 'a DOCTYPE declaration'],
    [`<!doctype div>${xhtml('a')}`, 'a DOCTYPE declaration'],
    [xhtml('<!DOCTYPE x [<!ENTITY a "<script>alert(1)</script>">]>a'), 'a DOCTYPE declaration'],
    [xhtml('<!ENTITY a "x">'), 'a markup declaration (<!ENTITY)'],
    [`<?xml-stylesheet href="x.xsl"?>${xhtml('a')}`, 'a processing instruction'],
    [xhtml('<?php echo 1 ?>a'), 'a processing instruction'],
    [xhtml('<![CDATA[><script>alert(1)</script>]]>'), 'a CDATA section'],
    [xhtml('<!-- a --!><script>alert(1)</script> -->'), "a comment with '--' inside it"],
    [xhtml('&nbsp;'), 'the entity &nbsp;'],
    [xhtml('<p title="&copy;">x</p>'), 'the entity &copy;'],
    [xhtml('<p title="a & b">x</p>'), "a bare '&'"],
    [xhtml('&#0;'), 'a reference to a character XML does not allow (&#0;)'],
    [xhtml('&#x110000;'), 'a reference to a character XML does not allow (&#x110000;)'],
    [xhtml('&amp'), "an entity reference without its ';'"],
  ])('narrative markup FHIR leaves out: %s', (div, message) => {
    expect(issues(patient({ text: { status: 'generated', div } }))).toEqual([
      expect.stringContaining(`Patient.text.div: must not contain ${message}`),
    ]);
  });

  it('narrative the XML parser refuses is an issue, never an exception', () => {
    const deep = xhtml(`${'<b>'.repeat(101)}x${'</b>'.repeat(101)}`);
    expect(issues(patient({ text: { status: 'generated', div: deep } }))).toEqual([
      'Patient.text.div: is not XHTML this server accepts: Maximum nested tags exceeded',
    ]);
    const named = xhtml('<constructor>x</constructor>');
    expect(issues(patient({ text: { status: 'generated', div: named } }))).toEqual([
      expect.stringMatching(/^Patient\.text\.div: is not XHTML this server accepts: /),
    ]);
    const fine = xhtml(
      `${'<b>'.repeat(100)}&lt;x&gt; &amp; &#160; &#x1F600; &quot;&apos;${'</b>'.repeat(100)}<!-- a - b -->`,
    );
    expect(issues(patient({ text: { status: 'generated', div: fine } }))).toEqual([]);
  });

  it('an item in an array of 200,000, at its index, without overflowing the stack', () => {
    const identifiers = Array.from({ length: 200_000 }, (_, i) => ({ value: String(i) }));
    expect(issues(patient({ identifier: identifiers }))).toEqual([]);
    const given = Array.from({ length: 200_000 }, () => 'An');
    given[199_999] = 'B\uD800';
    expect(issues(patient({ name: [{ given }] }))).toEqual([`Patient.name[0].given[199999]: ${UNICODE}`]);
  });

  it('200,000 bad items: the first 100 issues and a count of the rest, without overflowing the stack', () => {
    const given = Array.from({ length: 200_000 }, () => 1);
    const found = issues(patient({ name: [{ given }] }));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toBe('Patient.name[0].given[0]: Invalid input: expected string, received number');
    const identifier = Array.from({ length: 200_000 }, () => ({ value: 1 }));
    const many = issues(patient({ identifier }));
    expect(many).toHaveLength(101);
    expect(many[99]).toBe('Patient.identifier[99].value: Invalid input: expected string, received number');
    expect(many[100]).toBe(
      'Patient: and 199,900 more issues not listed: correct these and validate again to see the rest',
    );
  });

  it('null in a primitive array without an extension at that position', () => {
    expect(issues(patient({ name: [{ given: ['An', null] }] }))).toEqual([
      'Patient.name[0].given[1]: must not be null unless _given has an item there',
    ]);
  });
});

describe('validateResource accepts', () => {
  it('primitive extensions, including a required value carried only as an extension', () => {
    const absent = {
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }],
    };
    expect(issues(patient({ birthDate: '1990-05', _birthDate: { id: 'b' } }))).toEqual([]);
    expect(issues(patient({ name: [{ given: ['An', null], _given: [null, absent] }] }))).toEqual([]);
    expect(issues({ resourceType: 'Observation', _status: absent, code: { text: 'x' } })).toEqual([]);
  });

  it('Vietnamese text and a safe narrative', () => {
    const div = '<div xmlns="http://www.w3.org/1999/xhtml"><p>Bệnh nhân <b>Nguyễn Thị Hoa</b></p></div>';
    expect(issues(patient({ name: [{ text: 'Nguyễn Thị Hoa' }], text: { status: 'generated', div } }))).toEqual([]);
  });
});

describe('parseResource', () => {
  it('returns a typed resource, or throws an error that renders as an OperationOutcome', () => {
    expect(parseResource({ resourceType: 'Patient', gender: 'female' }, 'Patient').gender).toBe('female');
    let error: unknown;
    try {
      parseResource(patient({ birthDate: 'yesterday', foo: 1 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirValidationError);
    expect((error as FhirValidationError).toOperationOutcome()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: 'Patient.birthDate: must be a date: YYYY, YYYY-MM or YYYY-MM-DD',
          expression: ['Patient.birthDate'],
        },
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: 'Patient.foo: is not a known element',
          expression: ['Patient.foo'],
        },
      ],
    });
  });
});
