import { runMigrations, type SqlClient, storeMigrations } from '@mekong/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, backends, isolatedDatabase } from '../../store/test/backends.js';
import {
  API_KEY_RECHECK_MS,
  type ApiKeyInfo,
  ApiKeyRequestError,
  ApiKeys,
  AuthenticationError,
  allowsOperation,
  apiKeyMigrations,
  createAuthenticator,
  ensureBootstrapKey,
} from '../src/index.js';

describe.each(backends)('API keys on %s', (backend: Backend) => {
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let clock = new Date('2026-01-01T00:00:00Z');
  const now = () => clock;
  beforeAll(async () => {
    database = await isolatedDatabase(backend);
    await runMigrations(database.db, [storeMigrations, apiKeyMigrations]);
  });
  afterAll(async () => {
    await database.dispose();
  });

  it('creates a key that verifies, and stores only its hash', async () => {
    const keys = new ApiKeys(database.db, now);
    const { id, key } = await keys.create({ name: 'lab analyser', roles: ['nurse'] });
    expect(key).toMatch(/^mk_[A-Za-z0-9_-]{43}$/);
    const info = await keys.verify(key);
    expect(info).toMatchObject({ id, name: 'lab analyser', roles: ['nurse'] });
    expect(info.createdAt.toISOString()).toBe(clock.toISOString());

    const { rows } = await database.db.query('select * from mekong_api_key');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.slice(3));
    expect(dump).not.toContain(Buffer.from(key.slice(3), 'base64url').toString('hex'));
    expect(JSON.stringify(await keys.list())).not.toContain(key);
  });

  it('refuses unknown, malformed, revoked and expired keys, saying which', async () => {
    const keys = new ApiKeys(database.db, now);
    const unknown = `mk_${'A'.repeat(43)}`;
    await expect(keys.verify(unknown)).rejects.toMatchObject({ reason: 'unknown-key', status: 401 });
    await expect(keys.verify('short')).rejects.toMatchObject({ reason: 'malformed' });
    await expect(keys.verify(`mk_${'a b'.repeat(10)}`)).rejects.toMatchObject({ reason: 'malformed' });

    const revoked = await keys.create({ name: 'old billing export', roles: ['receptionist'] });
    await keys.revoke(revoked.id);
    await keys.revoke(revoked.id);
    const error = await keys.verify(revoked.key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ reason: 'revoked' });
    expect((error as Error).message).toContain("'old billing export'");
    expect((error as Error).message).not.toContain(revoked.key);

    const expiring = await keys.create({
      name: 'kiosk',
      roles: ['receptionist'],
      expiresAt: new Date(clock.getTime() + 60_000),
    });
    await expect(keys.verify(expiring.key)).resolves.toMatchObject({ name: 'kiosk' });
    clock = new Date(clock.getTime() + 60_000);
    await expect(keys.verify(expiring.key)).rejects.toMatchObject({ reason: 'expired' });
    await expect(keys.revoke('no-such-id')).rejects.toBeInstanceOf(ApiKeyRequestError);

    const listed = await keys.list();
    expect(listed.find((k) => k.id === revoked.id)?.revokedAt).toBeInstanceOf(Date);
    expect(listed.find((k) => k.id === expiring.id)?.expiresAt).toBeInstanceOf(Date);
  });

  it('refuses a key revoked by this process at once, and one revoked by another process within the recheck time', async () => {
    const here = new ApiKeys(database.db, now);
    const elsewhere = new ApiKeys(database.db, now);
    const local = await here.create({ name: 'ward tablet', roles: ['nurse'] });
    await expect(here.verify(local.key)).resolves.toMatchObject({ name: 'ward tablet' });
    await here.revoke(local.id);
    await expect(here.verify(local.key)).rejects.toMatchObject({ reason: 'revoked' });

    const remote = await here.create({ name: 'pharmacy robot', roles: ['pharmacist'] });
    await expect(here.verify(remote.key)).resolves.toMatchObject({ name: 'pharmacy robot' });
    await elsewhere.revoke(remote.id);
    // Remembered from the last lookup until the recheck time has passed; never longer.
    await expect(here.verify(remote.key)).resolves.toMatchObject({ name: 'pharmacy robot' });
    clock = new Date(clock.getTime() + API_KEY_RECHECK_MS);
    await expect(here.verify(remote.key)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('checks the expiry of a remembered key on every use', async () => {
    const keys = new ApiKeys(database.db, now);
    const { key } = await keys.create({
      name: 'night shift',
      roles: ['nurse'],
      expiresAt: new Date(clock.getTime() + 1_000),
    });
    await expect(keys.verify(key)).resolves.toMatchObject({ name: 'night shift' });
    clock = new Date(clock.getTime() + 1_000);
    await expect(keys.verify(key)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('rejects invalid key requests and creates nothing', async () => {
    const keys = new ApiKeys(database.db, now);
    const before = (await keys.list()).length;
    const bad = [
      { name: '', roles: ['nurse'] },
      { name: '   ', roles: ['nurse'] },
      { name: 'x', roles: [] },
      { name: 'x', roles: ['has space'] },
      { name: 'x', roles: ['nurse'], compartment: [] },
      { name: 'x', roles: ['nurse'], compartment: ['Observation/1'] },
      { name: 'x', roles: ['nurse'], compartment: ['123'] },
      { name: 'x', roles: ['nurse'], expiresAt: new Date(clock.getTime() - 1) },
      { name: 'x', roles: ['nurse'], extra: true } as never,
    ];
    for (const request of bad) {
      const error = await keys.create(request).catch((e: unknown) => e);
      expect(error, JSON.stringify(request)).toBeInstanceOf(ApiKeyRequestError);
      expect((error as ApiKeyRequestError).status).toBe(400);
    }
    expect((await keys.list()).length).toBe(before);
  });

  it('authenticates a key as a system principal with its roles and compartment', async () => {
    const auth = await createAuthenticator({ sql: database.db, config: { roles: {} }, now });
    // A role the configuration no longer defines (keys are refused for unknown roles when issued).
    const { id, key } = await new ApiKeys(database.db, now).create({
      name: 'home monitoring app',
      roles: ['patient', 'no-such-role'],
      compartment: ['Patient/p1'],
    });
    const principal = await auth.authenticate(`Bearer ${key}`);
    expect(principal.agent).toEqual({ kind: 'system', id: `api-key/${id}`, display: 'home monitoring app' });
    expect(principal.roles).toEqual(['patient']);
    expect(principal.admin).toBe(false);
    expect(principal.scopes).toEqual([]);
    expect(principal.policy.compartment).toEqual(['Patient/p1']);
    expect(principal.policy.rules.find((r) => r.type === 'Observation')?.interactions).toEqual([
      'read',
      'vread',
      'search',
      'history',
    ]);
    expect(allowsOperation(principal, '$everything')).toBe(true);
    expect(allowsOperation(principal, 'validate')).toBe(false);

    // The patient role needs a patient: a key without a compartment is refused, clearly.
    const unbound = await auth.apiKeys.create({ name: 'misconfigured', roles: ['patient'] });
    await expect(auth.authenticate(`Bearer ${unbound.key}`)).rejects.toThrow(/names no patient/);

    // A key is not issued for a role the deployment does not know; one issued before the role was removed grants nothing.
    await expect(auth.apiKeys.create({ name: 'unknown role', roles: ['janitor'] })).rejects.toThrow(
      /'janitor' is not a role of this deployment/,
    );
    const nothing = await new ApiKeys(database.db, now).create({ name: 'unknown role', roles: ['janitor'] });
    expect((await auth.authenticate(`Bearer ${nothing.key}`)).policy.rules).toEqual([]);
  });

  it('runs the work given to an issue or revocation in its transaction, with the record: a failure changes nothing', async () => {
    const keys = new ApiKeys(database.db, now);
    const seen: ApiKeyInfo[] = [];
    const record = async (key: ApiKeyInfo, tx: SqlClient) => {
      await tx.query('select 1');
      seen.push(key);
    };
    const fail = async () => {
      throw new Error('the audit trail is unavailable');
    };
    const wanted = { name: 'pharmacy robot', roles: ['nurse'], compartment: ['Patient/lan'] };
    const before = (await keys.list()).length;
    await expect(keys.create(wanted, fail)).rejects.toThrow('the audit trail is unavailable');
    expect(await keys.list()).toHaveLength(before);

    const { id, key } = await keys.create(wanted, record);
    expect(seen[0]).toEqual({ id, ...wanted, createdAt: clock });
    expect(JSON.stringify(seen)).not.toContain(key.slice(3));
    await expect(keys.revoke(id, fail)).rejects.toThrow('the audit trail is unavailable');
    await expect(keys.verify(key)).resolves.toMatchObject({ id });
    await keys.revoke(id, record);
    expect(seen[1]).toMatchObject({ id, name: 'pharmacy robot', revokedAt: clock });
    await expect(keys.verify(key)).rejects.toMatchObject({ reason: 'revoked' });
    await expect(keys.revoke('no-such-id', record)).rejects.toBeInstanceOf(ApiKeyRequestError);
    expect(seen).toHaveLength(2);
  });

  it('bootstraps one administrator key, from the environment or generated, never twice', async () => {
    const fresh = await isolatedDatabase(backend);
    try {
      await runMigrations(fresh.db, [storeMigrations, apiKeyMigrations]);
      const keys = new ApiKeys(fresh.db, now);
      for (const weak of ['admin', 'password1234', 'a'.repeat(40), `${'ab'.repeat(20)}`, 'x y '.repeat(10)]) {
        await expect(ensureBootstrapKey(keys, weak)).rejects.toThrow(/MEKONG_BOOTSTRAP_API_KEY/);
      }
      expect(await keys.list()).toEqual([]);

      const fromEnv = 'Zx8-pQ2_rT5vW9yB3nM6kJ1hG4fD7sA0eC';
      // Its audit record failed: no key, and the next start tries again.
      const unrecorded = ensureBootstrapKey(keys, fromEnv, async () => {
        throw new Error('the audit trail is unavailable');
      });
      await expect(unrecorded).rejects.toThrow('the audit trail is unavailable');
      expect(await keys.list()).toEqual([]);
      const results = await Promise.all([ensureBootstrapKey(keys, fromEnv), ensureBootstrapKey(keys, fromEnv)]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.key === undefined)).toBe(true);
      expect(await ensureBootstrapKey(keys, undefined)).toEqual({ created: false });
      expect(await keys.list()).toHaveLength(1);

      const auth = await createAuthenticator({ sql: fresh.db, config: { roles: {} }, now });
      const admin = await auth.authenticate(`Bearer ${fromEnv}`);
      expect(admin.admin).toBe(true);
      expect(allowsOperation(admin, '$reindex')).toBe(true);
      expect(admin.policy.rules).toEqual([
        { type: '*', interactions: ['read', 'vread', 'search', 'history', 'create', 'update', 'patch', 'delete'] },
      ]);

      // Revoking the bootstrap key does not make a restart create another.
      const [bootstrap] = await keys.list();
      await keys.revoke(bootstrap?.id ?? '');
      expect(await ensureBootstrapKey(keys, undefined)).toEqual({ created: false });
      // Revoked through another instance (as by another process): refused once the recheck time has passed.
      clock = new Date(clock.getTime() + API_KEY_RECHECK_MS);
      await expect(auth.authenticate(`Bearer ${fromEnv}`)).rejects.toMatchObject({ reason: 'revoked' });
    } finally {
      await fresh.dispose();
    }
  });

  it('generates and returns the bootstrap key when none is given', async () => {
    const fresh = await isolatedDatabase(backend);
    try {
      await runMigrations(fresh.db, [storeMigrations, apiKeyMigrations]);
      const keys = new ApiKeys(fresh.db, now);
      const first = await ensureBootstrapKey(keys, '');
      expect(first.created).toBe(true);
      expect(first.key).toMatch(/^mk_/);
      await expect(keys.verify(first.key ?? '')).resolves.toMatchObject({ roles: ['admin'] });
      expect(await ensureBootstrapKey(keys, undefined)).toEqual({ created: false });
      const { rows } = await fresh.db.query('select * from mekong_api_key');
      expect(JSON.stringify(rows)).not.toContain(first.key);
    } finally {
      await fresh.dispose();
    }
  });
});
