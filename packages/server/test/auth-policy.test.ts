import { checkAccessPolicy, ruleProblems } from '@mekong/store';
import { describe, expect, it } from 'vitest';
import {
  authConfigSchema,
  builtInRoles,
  effectiveGrant,
  parseSmartScopes,
  type ResolvedRole,
  RoleCatalogue,
  roleDefinitionSchema,
} from '../src/index.js';

const role = (name: string, rules: ResolvedRole['rules'], extra: Partial<ResolvedRole> = {}): ResolvedRole => ({
  name,
  admin: false,
  rules,
  operations: [],
  ...extra,
});

describe('SMART scope parsing', () => {
  it('understands v1 and v2 resource scopes', () => {
    const parsed = parseSmartScopes([
      'patient/*.read',
      'user/Observation.write',
      'system/Patient.*',
      'patient/Observation.rs',
      'user/Encounter.cruds',
      'user/Condition.d',
      'openid',
      'fhirUser',
      'launch/patient',
    ]);
    expect(parsed.resource.map((s) => [s.context, s.type, s.interactions])).toEqual([
      ['patient', '*', ['read', 'vread', 'search', 'history']],
      ['user', 'Observation', ['create', 'update', 'patch', 'delete']],
      ['system', 'Patient', ['read', 'vread', 'search', 'history', 'create', 'update', 'patch', 'delete']],
      ['patient', 'Observation', ['read', 'vread', 'history', 'search']],
      ['user', 'Encounter', ['create', 'read', 'vread', 'history', 'update', 'patch', 'delete', 'search']],
      ['user', 'Condition', ['delete']],
    ]);
    expect(parsed.other).toEqual(['openid', 'fhirUser', 'launch/patient']);
    expect(parsed.invalid).toEqual([]);
  });

  it('grants nothing for malformed scopes or scopes it cannot enforce', () => {
    const parsed = parseSmartScopes([
      'patient/Observation.reed',
      'patient/Observation.sr',
      'patient/Observation.rr',
      'patient/Observation.',
      'patient/observation.read',
      'patient/Observaton.read',
      'practitioner/Observation.read',
      'user/*',
      'user/Observation.read extra',
      'patient/Observation.rs?category=laboratory',
    ]);
    expect(parsed.resource).toEqual([]);
    expect(parsed.invalid).toEqual([
      'patient/Observation.reed',
      'patient/Observation.sr',
      'patient/Observation.rr',
      'patient/Observation.',
      'patient/observation.read',
      'patient/Observaton.read',
      'user/*',
      'user/Observation.read extra',
    ]);
    expect(parsed.unsupported).toEqual(['patient/Observation.rs?category=laboratory']);
    expect(parsed.other).toEqual(['practitioner/Observation.read']);
  });
});

describe('effective grant', () => {
  it('is the intersection of roles and scopes', () => {
    const roles = [
      role('a', [
        { type: 'Observation', interactions: ['read', 'search', 'create'] },
        { type: 'Patient', interactions: ['read'] },
      ]),
    ];
    const scopes = parseSmartScopes(['user/Observation.rs', 'user/Condition.cruds', 'user/Patient.c']).resource;
    expect(effectiveGrant({ roles, scopes }).policy).toEqual({
      rules: [{ type: 'Observation', interactions: ['read', 'search'], readonlyFields: ['meta.security'] }],
    });
  });

  it('specialises wildcard rules to the scoped types, and folds them into named types', () => {
    const roles = [
      role('a', [{ type: '*', interactions: ['read', 'search'] }]),
      role('b', [{ type: 'Observation', interactions: ['create'] }]),
    ];
    expect(effectiveGrant({ roles }).policy.rules).toEqual([
      { type: '*', interactions: ['read', 'search'], readonlyFields: ['meta.security'] },
      { type: 'Observation', interactions: ['read', 'search', 'create'], readonlyFields: ['meta.security'] },
    ]);
    const scopes = parseSmartScopes(['user/Condition.read']).resource;
    expect(effectiveGrant({ roles, scopes }).policy.rules).toEqual([
      { type: 'Condition', interactions: ['read', 'search'], readonlyFields: ['meta.security'] },
    ]);
  });

  it('hides a field only when every rule that grants reading hides it', () => {
    const hiding = role('front-desk', [
      { type: 'Encounter', interactions: ['read'], hiddenFields: ['diagnosis', 'reasonCode'] },
    ]);
    const partly = role('coder', [{ type: 'Encounter', interactions: ['read'], hiddenFields: ['reasonCode'] }]);
    const writer = role('writer', [{ type: 'Encounter', interactions: ['update'], readonlyFields: ['status'] }]);
    expect(effectiveGrant({ roles: [hiding, partly, writer] }).policy.rules).toEqual([
      {
        type: 'Encounter',
        interactions: ['read', 'update'],
        hiddenFields: ['reasonCode'],
        readonlyFields: ['status', 'meta.security'],
      },
    ]);
  });

  it('hides a field every reading rule hides, itself or within a wider field or choice', () => {
    const whole = role('whole', [
      { type: 'Patient', interactions: ['read'], hiddenFields: ['contact', 'deceased', 'name'] },
    ]);
    const part = role('part', [
      { type: 'Patient', interactions: ['read'], hiddenFields: ['contact.telecom', 'deceasedBoolean', 'gender'] },
    ]);
    expect(effectiveGrant({ roles: [whole, part] }).policy.rules).toEqual([
      {
        type: 'Patient',
        interactions: ['read'],
        hiddenFields: ['contact.telecom', 'deceasedBoolean'],
        readonlyFields: ['meta.security'],
      },
    ]);
  });

  it('folds a * rule into a type with only the fields the type has', () => {
    const everyone = role('everyone', [{ type: '*', interactions: ['read'], hiddenFields: ['telecom', 'meta.tag'] }]);
    const writer = role('writer', [{ type: 'Observation', interactions: ['create'] }]);
    expect(effectiveGrant({ roles: [everyone, writer] }).policy.rules).toEqual([
      { type: '*', interactions: ['read'], hiddenFields: ['telecom', 'meta.tag'], readonlyFields: ['meta.security'] },
      {
        type: 'Observation',
        interactions: ['read', 'create'],
        hiddenFields: ['meta.tag'],
        readonlyFields: ['meta.security'],
      },
    ]);
    const scopes = parseSmartScopes(['user/Observation.read', 'user/Patient.read']).resource;
    expect(effectiveGrant({ roles: [everyone], scopes }).policy.rules.map((r) => [r.type, r.hiddenFields])).toEqual([
      ['Observation', ['meta.tag']],
      ['Patient', ['telecom', 'meta.tag']],
    ]);
  });

  it('makes policies the store accepts, whatever the scopes name', () => {
    for (const names of [['admin'], ['clinician', 'receptionist']]) {
      const roles = new RoleCatalogue().resolve(names, {});
      for (const scope of ['user/Observaton.read', 'user/*.read', 'user/Encounter.rs', 'user/Patient.*']) {
        const scopes = parseSmartScopes([scope]).resource;
        expect(() => checkAccessPolicy(effectiveGrant({ roles, scopes }).policy), `${names} ${scope}`).not.toThrow();
      }
    }
  });

  it('bounds the whole principal by compartments, and allows nothing when they do not meet', () => {
    const ward = role('ward', [{ type: '*', interactions: ['read'] }], { compartment: ['Patient/1', 'Patient/2'] });
    const other = role('other', [{ type: 'Observation', interactions: ['create'] }]);
    expect(effectiveGrant({ roles: [ward, other] }).policy.compartment).toEqual(['Patient/1', 'Patient/2']);
    expect(effectiveGrant({ roles: [ward], context: ['Patient/2', 'Patient/3'] }).policy.compartment).toEqual([
      'Patient/2',
    ]);
    expect(effectiveGrant({ roles: [ward], context: ['Patient/9'] })).toEqual({
      policy: { rules: [], compartment: [] },
      admin: false,
      operations: [],
    });
  });

  it('denies everything without roles', () => {
    expect(effectiveGrant({ roles: [] })).toEqual({ policy: { rules: [] }, admin: false, operations: [] });
  });
});

describe('built-in roles', () => {
  const roles = new RoleCatalogue();
  const grant = (name: string) => effectiveGrant({ roles: roles.resolve([name], { patientContext: ['Patient/1'] }) });

  it('name FHIR R4 types and elements only, as configured roles must', () => {
    for (const [name, definition] of Object.entries(builtInRoles)) {
      for (const rule of definition.rules) expect(ruleProblems(rule), `${name} ${rule.type}`).toEqual([]);
      expect(roleDefinitionSchema.safeParse(definition).success, name).toBe(true);
    }
  });

  it('keeps the audit trail to administrators and auditors', () => {
    for (const name of ['clinician', 'nurse', 'receptionist', 'patient']) {
      expect(
        grant(name).policy.rules.some((r) => r.type === 'AuditEvent' || r.type === '*'),
        name,
      ).toBe(false);
    }
    expect(grant('auditor').policy.rules.find((r) => r.type === 'AuditEvent')?.interactions).toEqual([
      'read',
      'vread',
      'search',
      'history',
    ]);
    expect(grant('admin').admin).toBe(true);
  });

  it('keeps clinical data from the front desk', () => {
    const rules = grant('receptionist').policy.rules;
    expect(rules.find((r) => r.type === 'Observation')).toBeUndefined();
    expect(rules.find((r) => r.type === 'Patient')?.interactions).toContain('create');
    expect(rules.find((r) => r.type === 'Encounter')?.hiddenFields).toContain('diagnosis');
    expect(rules.find((r) => r.type === 'Encounter')?.readonlyFields).toContain('reasonCode');
  });

  it('lets nobody but administrators delete or change security labels', () => {
    for (const name of ['clinician', 'nurse', 'receptionist', 'auditor', 'patient']) {
      for (const rule of grant(name).policy.rules) {
        expect(rule.interactions, `${name} ${rule.type}`).not.toContain('delete');
        expect(rule.readonlyFields, `${name} ${rule.type}`).toContain('meta.security');
      }
    }
  });

  it('can be replaced by configuration', () => {
    const custom = new RoleCatalogue({
      nurse: roleDefinitionSchema.parse({ rules: [{ type: 'Observation', interactions: ['read'] }] }),
    });
    expect(custom.resolve(['nurse'], {})[0]?.rules).toEqual([{ type: 'Observation', interactions: ['read'] }]);
    expect(custom.names()).toContain('clinician');
  });
});

describe('auth configuration', () => {
  const jwt = { issuer: 'https://idp.test', audience: 'api', jwksUrl: 'https://idp.test/certs' };

  it('accepts a complete configuration and applies defaults', () => {
    const config = authConfigSchema.parse({
      jwt,
      roles: {
        'ward-3-nurse': {
          rules: [{ type: 'Observation', interactions: ['read', 'create'], hiddenFields: ['note'] }],
          operations: ['everything', '$lastn'],
          compartment: { claim: 'ward_patients' },
        },
      },
    });
    expect(config.jwt?.clockToleranceSeconds).toBe(30);
    expect(config.jwt?.rolesClaims).toEqual(['roles', 'realm_access.roles']);
    expect(config.roles['ward-3-nurse']?.operations).toEqual(['$everything', '$lastn']);
    expect(config.roles['ward-3-nurse']?.admin).toBe(false);
    expect(authConfigSchema.parse({})).toEqual({ roles: {} });
  });

  it('rejects bad configurations, naming the problem', () => {
    const bad: [unknown, RegExp][] = [
      [{ jwt: { issuer: 'x', audience: 'a' } }, /one of jwksUrl, publicKey or secret/],
      [{ jwt: { ...jwt, secret: 'x'.repeat(40) } }, /one key source, not jwksUrl and secret/],
      [{ jwt: { ...jwt, algorithms: ['HS256'] } }, /need a shared secret/],
      [{ jwt: { issuer: 'x', audience: 'a', secret: 'x'.repeat(40), algorithms: ['RS256'] } }, /HS256\/384\/512 only/],
      [{ jwt: { issuer: 'x', audience: 'a', secret: 'too-short' } }, /at least 32 characters/],
      [{ jwt: { ...jwt, jwksUrl: 'http://idp.test/certs' } }, /over https/],
      [{ jwt: { ...jwt, jwksUrl: 'not a url' } }, /jwksUrl/],
      [{ jwt: { ...jwt, algorithms: ['none'] } }, /algorithms/],
      [{ jwt: { ...jwt, algorithms: [] } }, /algorithms/],
      [{ jwt: { ...jwt, clockToleranceSeconds: 3600 } }, /clockToleranceSeconds/],
      [{ jwt: { ...jwt, issuer: '' } }, /issuer/],
      [{ jwt: { ...jwt, audience: [] } }, /audience/],
      [{ jwt: { ...jwt, extra: 1 } }, /extra/],
      [{ jwt: { issuer: 'x', audience: 'a', publicKey: 'not a pem' } }, /publicKey/],
      [{ jwt: { issuer: 'x', audience: 'a', publicKey: { kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' } } }, /private/],
      [{ jwt: { issuer: 'x', audience: 'a', publicKey: { kty: 'oct', k: 'x' } } }, /publicKey/],
      [{ roles: { 'bad name': { rules: [] } } }, /role name/],
      [{ roles: { r: { rules: [{ type: 'observation', interactions: ['read'] }] } } }, /FHIR R4 resource type/],
      [{ roles: { r: { rules: [{ type: 'Observation', interactions: [] }] } } }, /at least one interaction/],
      [{ roles: { r: { rules: [{ type: 'Observation', interactions: ['write'] }] } } }, /interactions/],
      [
        { roles: { r: { rules: [{ type: 'Observation', interactions: ['read'], hiddenFields: ['a b'] }] } } },
        /Observation has no element 'a b'/,
      ],
      [{ roles: { r: { rules: [{ type: 'Observation', interactions: ['read'], hiddenFields: [''] }] } } }, /path/],
      [{ roles: { r: { rules: [], operations: ['drop table'] } } }, /operation name/],
      [{ roles: { r: { rules: [], compartment: { patients: [] } } } }, /at least one patient/],
      [{ roles: { r: { rules: [], compartment: { patients: ['Observation/1'] } } } }, /patient reference/],
      [
        { roles: { r: { rules: [], compartment: 'everyone' } } },
        /must be \\"patient-context\\", \{ claim: .* or \{ patients/,
      ],
      [{ roles: { r: { rules: [], compartment: { patient: ['Patient/1'] } } } }, /must be \\"patient-context\\"/],
      [{ roles: { r: { rules: [], compartment: { claim: '' } } } }, /name the claim/],
      [{ roles: { r: { rules: [], extra: true } } }, /extra/],
      [{ apiKeys: {} }, /apiKeys/],
    ];
    for (const [input, message] of bad) {
      const result = authConfigSchema.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      expect(JSON.stringify(result.error?.issues), JSON.stringify(input)).toMatch(message);
    }
  });

  it('refuses rule types and field paths FHIR R4 does not have, at their path, with the closest names', () => {
    const issues = (rules: unknown[]) =>
      authConfigSchema
        .safeParse({ roles: { 'front-desk': { rules } } })
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(
      issues([
        { type: 'Patient', interactions: ['read'], hiddenFields: ['telcom', 'birthDate.value', 'deceased'] },
        {
          type: 'Encounter',
          interactions: ['update'],
          readonlyFields: ['reasonCod', 'hospitalization.dischargeDisposition'],
        },
        { type: 'Patinet', interactions: ['read'] },
        { type: 'patient', interactions: ['read'], hiddenFields: ['telecom'] },
        { type: '*', interactions: ['read'], hiddenFields: ['telecom', 'telcom'] },
      ]),
    ).toEqual([
      "roles.front-desk.rules.0.hiddenFields.0: Patient has no element 'telcom'; did you mean 'telecom'?",
      "roles.front-desk.rules.0.hiddenFields.1: Patient.birthDate is a primitive value, with no elements inside: name 'birthDate' itself",
      "roles.front-desk.rules.1.readonlyFields.0: Encounter has no element 'reasonCod'; did you mean 'reasonCode'?",
      `roles.front-desk.rules.2.type: 'Patinet' is not a FHIR R4 resource type (nor "*" for every type); did you mean 'Patient'?`,
      `roles.front-desk.rules.3.type: 'patient' is not a FHIR R4 resource type (nor "*" for every type); did you mean 'Patient'?`,
      "roles.front-desk.rules.4.hiddenFields.1: no resource type has the element 'telcom'; did you mean 'telecom'?",
    ]);
  });
});
