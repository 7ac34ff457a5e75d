import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditEvent, validateResource } from '@mekong/fhir';
import { connectPostgres, openPglite, type SqlClient } from '@mekong/store';
import { createPostgresSchema } from '@mekong/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runMekong } from './run-mekong.js';

// `mekong token create` issues a key with no HTTP caller: it is audited under the OS user who ran it.

const config = fileURLToPath(new URL('./fixtures/server.config.ts', import.meta.url));
const bin = fileURLToPath(new URL('../bin/mekong.js', import.meta.url));
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const agent = `mekong-cli/${userInfo().username}`;

// The fixture reads MEKONG_DATA_DIR when it is first imported: one data directory for this file's in-process runs.
const dataDir = mkdtempSync(join(tmpdir(), 'mekong-token-'));
process.env.MEKONG_DATA_DIR = dataDir;
delete process.env.DATABASE_URL;
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const mekong = (...args: string[]) => runMekong(config, ...args);

/** The audit trail, oldest first, and the stored key hashes; the PGlite folder is the CLI's again afterwards. */
async function trailOf(db: SqlClient): Promise<{ events: AuditEvent[]; hashes: string[] }> {
  const events = await db.query<{ content: AuditEvent }>('select content from mekong_audit order by seq');
  const keys = await db.query<{ hash: string }>('select hash from mekong_api_key');
  return { events: events.rows.map((row) => row.content), hashes: keys.rows.map((row) => row.hash) };
}

async function pgliteTrail() {
  const db = await openPglite({ dataDir });
  try {
    return await trailOf(db);
  } finally {
    await db.close();
  }
}

describe('mekong token create on PGlite', () => {
  it('records the key it issues under the OS user, with its id, name and roles, never the key', async () => {
    const issued = await mekong(
      'token',
      'create',
      '--name',
      'lab system',
      '--role',
      'clinician',
      '--patient',
      'Patient/lan',
    );
    expect(issued.code, issued.stderr).toBe(0);
    const id = /API key ([0-9a-f-]{36}) for/.exec(issued.stdout)?.[1];
    const key = issued.stdout.split('\n').find((line) => line.startsWith('mk_')) as string;

    const { events, hashes } = await pgliteTrail();
    expect(events).toHaveLength(1);
    const [event] = events as [AuditEvent];
    expect(event).toMatchObject({
      type: { system: DCM, code: '110113', display: 'Security Alert' },
      subtype: [{ system: DCM, code: '110137', display: 'User security Attributes Changed' }],
      action: 'C',
      outcome: '0',
      source: { observer: { display: 'mekong cli' } },
    });
    expect(event.agent).toEqual([
      {
        type: { text: 'system' },
        who: {
          identifier: { system: 'urn:mekong:system', value: agent },
          display: `${userInfo().username}@${hostname()} (mekong CLI)`,
        },
        requestor: true,
      },
    ]);
    expect(event.entity).toMatchObject([
      {
        what: { identifier: { system: 'urn:mekong:system', value: `api-key/${id}` } },
        role: { code: '11', display: 'Security User Entity' },
        name: 'lab system',
        detail: [
          { type: 'roles', valueString: 'clinician' },
          { type: 'compartment', valueString: 'Patient/lan' },
        ],
      },
      { what: { reference: 'Patient/lan' } },
      { name: 'mekong token create' },
    ]);
    const checked = validateResource(event, 'AuditEvent');
    expect(checked.ok ? [] : checked.issues).toEqual([]);
    const text = JSON.stringify(events);
    expect(hashes).toHaveLength(1);
    for (const secret of [key, key.slice(3), ...hashes, createHash('sha256').update(key).digest('hex')]) {
      expect(text).not.toContain(secret);
    }
  });

  it('records a refused issue as failed, with what was asked and why, and issues nothing', async () => {
    const refused = await mekong('token', 'create', '--name', 'lab', '--role', 'clinicain');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("roles: 'clinicain' is not a role of this deployment");
    const { events, hashes } = await pgliteTrail();
    expect(hashes).toHaveLength(1);
    expect(events).toHaveLength(2);
    const failed = events[1] as AuditEvent;
    expect(failed).toMatchObject({ action: 'C', outcome: '8', subtype: [{ code: '110137' }] });
    expect(failed.agent[0]?.who?.identifier?.value).toBe(agent);
    expect(failed.outcomeDesc).toMatch(/^invalid API key request: roles: 'clinicain' is not a role of this deployment/);
    expect(failed.entity).toEqual([
      expect.objectContaining({ name: 'lab', detail: [{ type: 'roles', valueString: 'clinicain' }] }),
      expect.objectContaining({ name: 'mekong token create' }),
    ]);
    expect(failed.entity?.[0]?.what).toBeUndefined();
  });
});

describe('mekong token create on PostgreSQL', () => {
  it('records the key it issues, as a separate process', async () => {
    const schema = await createPostgresSchema('tok');
    const db = connectPostgres({ connectionString: schema.url, max: 1 });
    try {
      const run = spawnSync(
        process.execPath,
        [
          bin,
          '--config',
          config,
          'token',
          'create',
          '--name',
          'billing export',
          '--role',
          'receptionist',
          '--rate-limit',
          '20000',
        ],
        { env: { ...process.env, DATABASE_URL: schema.url }, encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('rate limit 20000 requests per window');
      const key = run.stdout.split('\n').find((line) => line.startsWith('mk_')) as string;
      const stored = await db.query<{ rate_limit: number }>('select rate_limit from mekong_api_key');
      expect(stored.rows.map((row) => row.rate_limit)).toEqual([20000]);
      const { events, hashes } = await trailOf(db);
      expect(
        events.map((e) => `${e.subtype?.[0]?.code} ${e.action} ${e.outcome} ${e.agent[0]?.who?.identifier?.value}`),
      ).toEqual([`110137 C 0 ${agent}`]);
      expect(events[0]?.entity?.[0]?.name).toBe('billing export');
      const text = JSON.stringify(events);
      for (const secret of [key.slice(3), ...hashes]) expect(text).not.toContain(secret);
    } finally {
      await db.close();
      await schema.drop();
    }
  });
});
