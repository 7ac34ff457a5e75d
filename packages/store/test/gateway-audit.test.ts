import { type AuditEvent, validateResource } from '@mekong/fhir';
import { createPostgresSchema, type PostgresSchema, startTestHost, type TestHost } from '@mekong/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessContext,
  AuditLog,
  AuditSearch,
  type GatewayAuditEntry,
  InvalidAuditEntryError,
  InvalidSearchError,
  type StoreAccess,
  storePlugin,
  UNKNOWN_AGENT,
} from '../src/index.js';
import { backends } from './backends.js';
import { gateway } from './gateway-plugin.js';

// A gateway records what it decides itself (failed logins, refusals, operations) in the store's one audit trail.

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const caller: AccessContext = {
  agent: { kind: 'user', id: 'dr-gw', display: 'Dr Gateway' },
  client: 'his-web',
  address: '10.2.0.7',
};

describe.each(backends)('audit entries of a gateway on %s', (backend) => {
  let test: TestHost;
  let access: StoreAccess;
  const search = (query: Record<string, string>) => new AuditSearch(access.sql).search(query);
  const found = async (query: Record<string, string>) =>
    ((await search(query)).entry ?? []).map((entry) => entry.resource as AuditEvent);
  const count = async () =>
    Number((await access.sql.query<{ n: number }>('select count(*)::int as n from mekong_audit')).rows[0]?.n);

  // PGlite in memory, or PostgreSQL in a schema of its own, dropped once the host has stopped.
  let postgres: PostgresSchema | undefined;
  beforeAll(async () => {
    const seen: { access?: StoreAccess } = {};
    postgres = backend === 'postgres' ? await createPostgresSchema('gw') : undefined;
    const store = postgres ? { databaseUrl: postgres.url } : {};
    test = await startTestHost({ plugins: [storePlugin, gateway('server', seen)], config: { plugins: { store } } });
    access = seen.access as StoreAccess;
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
    await postgres?.drop();
  });

  it('records a failed login with no agent identity, only the address and why', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const event = await access.audit({
      interaction: 'login',
      context: { agent: UNKNOWN_AGENT, address: '203.0.113.9' },
      outcome: 'refused',
      detail: 'authentication failed (unknown-key): unknown API key',
    });
    expect(event).toMatchObject({
      type: { system: DCM, code: '110114', display: 'User Authentication' },
      subtype: [{ system: DCM, code: '110122', display: 'Login' }],
      action: 'E',
      outcome: '4',
      outcomeDesc: 'authentication failed (unknown-key): unknown API key',
      source: { observer: { display: 'mekong server' } },
    });
    expect(event.agent).toEqual([
      { type: { text: 'unknown' }, requestor: true, network: { address: '203.0.113.9', type: '2' } },
    ]);
    expect(event.entity).toBeUndefined();
    // Found by the address (or its start), the DICOM subtype, the outcome and the date.
    for (const query of [
      { address: '203.0.113.9' },
      { address: '203.0.113.' },
      { subtype: `${DCM}|110122` },
      { subtype: '110122', outcome: '4', date: `ge${since}` },
    ]) {
      expect((await found(query)).map((e) => e.id)).toContain(event.id);
    }
    expect(await found({ address: '203.0.113.90' })).toEqual([]);
  });

  it('records an operation call under the caller and the plugin, with its name, instance and patient', async () => {
    const event = await access.audit({
      interaction: 'operation',
      context: { ...caller, plugin: 'patient-summary' },
      name: '$summary',
      entity: 'Patient/p-gw',
      patient: 'Patient/p-gw',
      outcome: 'success',
    });
    expect(event.type?.code).toBe('rest');
    expect(event.subtype).toEqual([
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'operation' },
      { system: 'urn:mekong:operation', code: '$summary' },
    ]);
    expect(event.outcome).toBe('0');
    expect(event.agent.map((agent) => agent.who?.identifier?.value)).toEqual(['dr-gw', 'patient-summary', 'his-web']);
    expect(event.agent[0]?.network?.address).toBe('10.2.0.7');
    expect(event.entity).toEqual([{ what: { reference: 'Patient/p-gw' } }]);
    for (const query of [{ patient: 'Patient/p-gw' }, { subtype: 'operation', agent: 'dr-gw' }, { address: '10.2.' }]) {
      expect((await found(query)).map((e) => e.id)).toContain(event.id);
    }
  });

  it('records a refused call to a restricted function, naming it', async () => {
    const event = await access.audit({
      interaction: 'restricted-function',
      context: caller,
      name: 'POST /admin/api-keys',
      outcome: 'refused',
      detail: 'managing API keys is for administrators only',
    });
    expect(event.type).toEqual({ system: DCM, code: '110113', display: 'Security Alert' });
    expect(event.subtype).toEqual([{ system: DCM, code: '110132', display: 'Use of Restricted Function' }]);
    expect(event.entity).toEqual([
      {
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '2',
          display: 'System Object',
        },
        name: 'POST /admin/api-keys',
      },
    ]);
    expect((await found({ subtype: '110132', agent: 'dr-gw', outcome: '4' })).map((e) => e.id)).toContain(event.id);
  });

  it("records a credential issued and revoked by its agent, name and rights, committed with the gateway's change", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const key = { kind: 'system', id: 'api-key/k-gw-1', display: 'BHXH assessor' } as const;
    await access.sql.exec('create table if not exists gw_key (id text primary key)');
    const issued = await access.sql.transaction(async (tx) => {
      await tx.query("insert into gw_key values ('k-gw-1')");
      return access.audit(
        {
          interaction: 'credential-issued',
          context: caller,
          name: 'POST /admin/api-keys',
          credential: {
            agent: key,
            name: 'BHXH assessor',
            roles: ['bhyt-assessor', 'auditor'],
            compartment: ['Patient/lan'],
            expiresAt: new Date('2030-01-01T00:00:00Z'),
          },
          patient: 'Patient/lan',
          outcome: 'success',
        },
        { transaction: tx },
      );
    });
    expect(issued).toMatchObject({
      type: { system: DCM, code: '110113', display: 'Security Alert' },
      subtype: [{ system: DCM, code: '110137', display: 'User security Attributes Changed' }],
      action: 'C',
      outcome: '0',
    });
    const entityType = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
    expect(issued.entity).toEqual([
      {
        what: { identifier: { system: 'urn:mekong:system', value: 'api-key/k-gw-1' } },
        type: { system: entityType, code: '2', display: 'System Object' },
        role: {
          system: 'http://terminology.hl7.org/CodeSystem/object-role',
          code: '11',
          display: 'Security User Entity',
        },
        name: 'BHXH assessor',
        detail: [
          { type: 'roles', valueString: 'bhyt-assessor, auditor' },
          { type: 'compartment', valueString: 'Patient/lan' },
          { type: 'expires', valueString: '2030-01-01T00:00:00.000Z' },
        ],
      },
      {
        what: { reference: 'Patient/lan' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
      },
      { type: { system: entityType, code: '2', display: 'System Object' }, name: 'POST /admin/api-keys' },
    ]);
    const checked = validateResource(issued, 'AuditEvent');
    expect(checked.ok ? [] : checked.issues).toEqual([]);

    // Rolled back with the change it records: neither is kept.
    const before = await count();
    await expect(
      access.sql.transaction(async (tx) => {
        await tx.query("insert into gw_key values ('k-gw-2')");
        await access.audit(
          { interaction: 'credential-issued', context: caller, name: 'POST /admin/api-keys', outcome: 'success' },
          { transaction: tx },
        );
        throw new Error('the change failed after its record');
      }),
    ).rejects.toThrow('the change failed after its record');
    expect(await count()).toBe(before);
    expect((await access.sql.query("select id from gw_key where id = 'k-gw-2'")).rows).toEqual([]);

    const revoked = await access.audit({
      interaction: 'credential-revoked',
      context: caller,
      name: 'DELETE /admin/api-keys/:id',
      credential: { agent: key, name: 'BHXH assessor', roles: ['bhyt-assessor'], revokedAt: new Date(since) },
      outcome: 'success',
    });
    expect(revoked.action).toBe('D');
    expect(revoked.entity?.[0]?.detail).toContainEqual({ type: 'revoked', valueString: since });
    // Both are 110137, told apart by their action; the token parameters take their systems.
    const both = [issued.id, revoked.id].sort();
    for (const query of [
      { subtype: '110137', date: `ge${since}` },
      { subtype: `${DCM}|110137`, agent: 'dr-gw', date: `ge${since}` },
    ]) {
      expect((await found(query)).map((e) => e.id).sort()).toEqual(both);
    }
    expect((await found({ subtype: '110137', action: 'D', date: `ge${since}` })).map((e) => e.id)).toEqual([
      revoked.id,
    ]);
    expect(
      (
        await found({
          action: 'http://hl7.org/fhir/audit-event-action|C',
          outcome: 'http://hl7.org/fhir/audit-event-outcome|0',
          patient: 'lan',
        })
      ).map((e) => e.id),
    ).toContain(issued.id);
  });

  it('refuses entries the trail cannot hold, recording nothing, and names what to do', async () => {
    const before = await count();
    const valid: GatewayAuditEntry = {
      interaction: 'operation',
      context: caller,
      name: '$summary',
      outcome: 'success',
    };
    const invalid: [unknown, RegExp][] = [
      [
        { ...valid, interaction: 'read' },
        /a gateway records operation, login, restricted-function, credential-issued, credential-revoked, not 'read'/,
      ],
      [{ ...valid, context: { agent: { kind: 'robot', id: 'r' } } }, /the agent must be a user, system, plugin/],
      [{ ...valid, context: { agent: { kind: 'user', id: '' } } }, /with an id/],
      [{ ...valid, outcome: 'maybe' }, /the outcome 'maybe' is not one of success, refused, failed/],
      [{ ...valid, name: 'summary' }, /an operation is named '\$code', not 'summary'/],
      [{ ...valid, name: undefined }, /an operation is named/],
      [{ ...valid, interaction: 'restricted-function', name: '' }, /a restricted function needs a name/],
      [{ ...valid, interaction: 'restricted-function', name: 'x'.repeat(201) }, /1 to 200 characters/],
      [{ ...valid, entity: 'Patient/a b' }, /entity 'Patient\/a b' is not a reference/],
      [{ ...valid, patient: 'Observation/o1' }, /patient 'Observation\/o1' is not a Patient/],
      [{ ...valid, resourceType: 'patient' }, /'patient' is not a resource type/],
      [{ ...valid, interaction: 'credential-issued', name: undefined }, /a credential-issued needs a name/],
      [
        { ...valid, credential: { name: 'k' } },
        /a credential is recorded with credential-issued or credential-revoked/,
      ],
      [
        { ...valid, interaction: 'credential-revoked', credential: { agent: { kind: 'plugin', id: 'p' } } },
        /a credential's agent must be a user or system/,
      ],
      [
        { ...valid, interaction: 'credential-issued', credential: { compartment: ['Practitioner/1'] } },
        /compartment holds 'Practitioner\/1', not a Patient/,
      ],
      [
        { ...valid, interaction: 'credential-issued', credential: { expiresAt: new Date('nope') } },
        /expiresAt is not a valid date/,
      ],
      [
        { ...valid, interaction: 'credential-issued', credential: { rateLimit: 0.5 } },
        /rateLimit must be a whole number of requests, 1 or more; got 0.5/,
      ],
    ];
    for (const [entry, message] of invalid) {
      const error = await access.audit(entry as GatewayAuditEntry).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(InvalidAuditEntryError);
      expect((error as InvalidAuditEntryError).message).toMatch(message);
      expect((error as InvalidAuditEntryError).hint).not.toBe('');
    }
    expect(await count()).toBe(before);
  });

  it('keeps control characters and long text from breaking a record', async () => {
    const event = await access.audit({
      interaction: 'restricted-function',
      context: { agent: { kind: 'system', id: 'key\u0000id', display: '\u0007bell' }, address: '10.0.0.1\u0001' },
      name: 'GET /probe/\u001b[31m',
      outcome: 'refused',
      detail: `bad\u0000${'x'.repeat(2000)}`,
    });
    expect(event.agent[0]?.who).toEqual({
      identifier: { system: 'urn:mekong:system', value: 'key\ufffdid' },
      display: '\ufffdbell',
    });
    expect(event.agent[0]?.network?.address).toBe('10.0.0.1\ufffd');
    expect(event.entity?.[0]?.name).toBe('GET /probe/\ufffd[31m');
    expect(event.outcomeDesc).toBe(`bad\ufffd${'x'.repeat(996)}`);
    // Searchable like any other; an unknown agent sent with an id of its own is still the unknown agent.
    expect((await found({ address: '10.0.0.1' })).map((e) => e.id)).toContain(event.id);
    const login = await access.audit({
      interaction: 'login',
      context: { agent: { kind: 'unknown', id: 'mk_secret' as 'unknown' }, address: '10.0.0.2' },
      outcome: 'refused',
    });
    expect(JSON.stringify(login)).not.toContain('mk_secret');
    const { rows } = await access.sql.query<{ agent: string }>('select agent from mekong_audit where id = $1', [
      login.id,
    ]);
    expect(rows).toEqual([{ agent: 'unknown:unknown' }]);
  });

  it('renders any operation name as a valid code, recorded through the AuditLog directly', async () => {
    const event = await new AuditLog(access.sql).record({
      interaction: 'operation',
      context: caller,
      name: ' $a  b\t',
      outcome: 'failed',
      recorded: new Date(),
    });
    expect(event.subtype?.[1]?.code).toBe('-$a-b-');
    const checked = validateResource(event, 'AuditEvent');
    expect(checked.ok ? [] : checked.issues).toEqual([]);
  });

  it('refuses address and subtype searches it cannot answer', async () => {
    for (const query of [
      { address: '' },
      { address: 'x'.repeat(101) },
      { subtype: '999999' },
      { subtype: 'Read' },
      { action: 'http://example.org|C' },
      { outcome: 'urn:other|0' },
    ]) {
      await expect(search(query)).rejects.toBeInstanceOf(InvalidSearchError);
    }
    // LIKE wildcards in an address are matched as themselves.
    expect(await found({ address: '%' })).toEqual([]);
    expect(await found({ address: '_' })).toEqual([]);
  });
});
