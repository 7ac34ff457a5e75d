import { validateResource } from '@mekong/fhir';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog, runMigrations, storeMigrations, UNKNOWN_AGENT } from '../src/index.js';
import { isolatedDatabase } from './backends.js';

// Text a caller controls reaches the audit record: token claims, client ids, addresses, error messages.
const callerText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Unpaired surrogates too: a JSON body or a token can carry them, and jsonb refuses them.
  fc.string({ unit: fc.constantFrom('a', 'ễ', '😀', '\uD800', '\uDBFF', '\uDC00', '\u0000'), maxLength: 20 }),
);
const date = fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true });
const reference = fc.stringMatching(/^(Patient|Observation|Encounter)\/[A-Za-z0-9.-]{1,64}$/);

const entries: fc.Arbitrary<AuditEntry> = fc.record(
  {
    interaction: fc.constantFrom(
      'create',
      'read',
      'vread',
      'update',
      'patch',
      'delete',
      'history-instance',
      'history-type',
      'search-type',
      'transaction',
      'batch',
      // What gateways record: operations, failed logins, restricted functions, credentials issued or revoked.
      'operation',
      'login',
      'restricted-function',
      'credential-issued',
      'credential-revoked',
    ),
    context: fc.record(
      {
        agent: fc.oneof(
          fc.record(
            { kind: fc.constantFrom('user', 'system'), id: callerText, display: callerText },
            { requiredKeys: ['kind', 'id'] },
          ),
          fc.constant(UNKNOWN_AGENT),
        ),
        plugin: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
        client: callerText,
        address: callerText,
      },
      { requiredKeys: ['agent'] },
    ),
    entity: reference,
    patient: reference.map((r) => `Patient/${r.split('/')[1]}`),
    resourceType: fc.constantFrom('Patient', 'Observation'),
    query: callerText,
    outcome: fc.constantFrom('success', 'refused', 'failed'),
    detail: callerText,
    // An operation's or a restricted function's name, and the gateway that observed it.
    name: callerText,
    source: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
    // An API key an administrator issued or revoked: its name and roles are whatever the administrator typed.
    credential: fc.record(
      {
        agent: fc.record({ kind: fc.constantFrom('user', 'system'), id: callerText }),
        name: callerText,
        roles: fc.array(callerText, { maxLength: 3 }),
        compartment: fc.array(
          reference.map((r) => `Patient/${r.split('/')[1]}`),
          { maxLength: 3 },
        ),
        expiresAt: date,
        revokedAt: date,
      },
      { requiredKeys: [] },
    ),
    recorded: date,
  },
  { requiredKeys: ['interaction', 'context', 'outcome', 'recorded'] },
) as fc.Arbitrary<AuditEntry>;

describe('audit records', () => {
  // The store no longer validates each AuditEvent it writes (a read would pay for it): this shows it never
  // needs to, whatever callers send.
  it('are valid FHIR AuditEvents for any entry, and read back as recorded', async () => {
    const { db, dispose } = await isolatedDatabase('pglite');
    try {
      await runMigrations(db, [storeMigrations]);
      const audit = new AuditLog(db);
      await fc.assert(
        fc.asyncProperty(entries, async (entry) => {
          const event = await audit.record(entry);
          const checked = validateResource(event, 'AuditEvent');
          expect(checked.ok ? [] : checked.issues).toEqual([]);
          expect(await audit.read(event.id as string)).toEqual(event);
        }),
        { numRuns: 300 },
      );
    } finally {
      await dispose();
    }
  });
});
