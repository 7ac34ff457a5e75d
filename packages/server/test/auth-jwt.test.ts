import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runMigrations, storeMigrations } from '@mekong/store';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedDatabase } from '../../store/test/backends.js';
import {
  type AuthConfig,
  AuthConfigError,
  AuthenticationError,
  AuthenticationUnavailableError,
  type Authenticator,
  apiKeyMigrations,
  authConfigSchema,
  createAuthenticator,
} from '../src/index.js';

// JWT verification touches no table (API keys are tested on both backends in auth-api-keys.test.ts).
const issuer = 'https://idp.hospital.test/realms/mekong';
const audience = 'mekong-api';
const NOW = new Date('2026-03-01T08:00:00Z');
const now = () => NOW;
const seconds = (offset: number) => Math.floor(NOW.getTime() / 1000) + offset;

let database: Awaited<ReturnType<typeof isolatedDatabase>>;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let ec: Awaited<ReturnType<typeof generateKeyPair>>;
let other: Awaited<ReturnType<typeof generateKeyPair>>;
let jwks: Server;
let jwksUrl: string;

beforeAll(async () => {
  database = await isolatedDatabase('postgres');
  await runMigrations(database.db, [storeMigrations, apiKeyMigrations]);
  [rsa, ec, other] = await Promise.all([
    generateKeyPair('RS256'),
    generateKeyPair('ES256', { extractable: true }),
    generateKeyPair('RS256'),
  ]);
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  jwks = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
});
afterAll(async () => {
  await new Promise((resolve) => jwks.close(resolve));
  await database.dispose();
});

function config(jwt: Record<string, unknown>, roles: Record<string, unknown> = {}): AuthConfig {
  return authConfigSchema.parse({ jwt: { issuer, audience, ...jwt }, roles });
}

async function sign(
  claims: JWTPayload,
  options: { key?: CryptoKey | Uint8Array; alg?: string; kid?: string; omit?: string[] } = {},
): Promise<string> {
  const body: JWTPayload = {
    iss: issuer,
    aud: audience,
    sub: 'u-123',
    iat: seconds(-60),
    exp: seconds(300),
    ...claims,
  };
  for (const claim of options.omit ?? []) delete body[claim];
  return new SignJWT(body)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) })
    .sign(options.key ?? rsa.privateKey);
}

/** A JWT signed with the RSA key with exactly this header (jose would refuse to sign a `crit` it does not know). */
async function signRaw(header: Record<string, unknown>): Promise<string> {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part({ iss: issuer, aud: audience, sub: 'u-123', iat: seconds(-60), exp: seconds(300) })}`;
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** A JWKS endpoint on 127.0.0.1 answering `body` (JSON of it unless a string) with `status`. */
async function jwksServer(body: unknown, status = 200): Promise<{ url: string; close: () => Promise<unknown> }> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function refusal(auth: Authenticator, header: string | undefined): Promise<AuthenticationError> {
  const error = await auth.authenticate(header).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return error as AuthenticationError;
}

describe('bearer JWTs verified with a configured public key', () => {
  let auth: Authenticator;
  beforeAll(async () => {
    auth = await createAuthenticator({
      sql: database.db,
      config: config({ publicKey: await exportSPKI(rsa.publicKey), algorithms: ['RS256'] }),
      now,
    });
  });

  it('accepts a valid token: subject, name, client, roles', async () => {
    const token = await sign({ name: 'Dr Lan', azp: 'emr-web', roles: ['clinician', 'unknown-role'] });
    const principal = await auth.authenticate(`Bearer ${token}`);
    expect(principal.agent).toEqual({ kind: 'user', id: 'u-123', display: 'Dr Lan' });
    expect(principal.client).toBe('emr-web');
    expect(principal.roles).toEqual(['clinician']);
    expect(principal.admin).toBe(false);
    expect(principal.policy.compartment).toBeUndefined();
    expect(principal.policy.rules.find((r) => r.type === 'Observation')?.interactions).toContain('create');
    expect(principal.policy.rules.find((r) => r.type === 'AuditEvent')).toBeUndefined();
  });

  it('reads Keycloak realm roles and tolerates small clock skew', async () => {
    const token = await sign({ realm_access: { roles: ['auditor'] }, exp: seconds(-10) });
    const principal = await auth.authenticate(`bearer ${token}`);
    expect(principal.roles).toEqual(['auditor']);
    expect(principal.policy.rules.map((r) => r.type)).toEqual(['AuditEvent', 'Provenance']);
  });

  it('refuses every bad token, saying why', async () => {
    const cases: [string, Promise<string> | string, AuthenticationError['reason'], RegExp][] = [
      ['expired', sign({ exp: seconds(-120) }), 'expired', /expired at 2026-03-01T07:58:00/],
      ['not yet valid', sign({ nbf: seconds(600) }), 'claims', /not valid yet/],
      ['wrong issuer', sign({ iss: 'https://evil.test' }), 'claims', /issuer is not/],
      ['wrong audience', sign({ aud: 'another-api' }), 'claims', /audience is not 'mekong-api'/],
      ['no expiry', sign({}, { omit: ['exp'] }), 'claims', /no expiry/],
      ['no subject', sign({}, { omit: ['sub'] }), 'claims', /"sub"|subject/],
      ['other key', sign({}, { key: other.privateKey }), 'bad-signature', /signature does not verify/],
      ['algorithm not allowed', sign({}, { key: ec.privateKey, alg: 'ES256' }), 'algorithm', /'ES256'.*accepts RS256/],
      [
        'HS256 with the public key as secret',
        (async () => sign({}, { alg: 'HS256', key: new TextEncoder().encode(await exportSPKI(rsa.publicKey)) }))(),
        'algorithm',
        /'HS256'/,
      ],
      [
        'alg none',
        new UnsecuredJWT({ iss: issuer, aud: audience, sub: 'x', exp: seconds(300) }).encode(),
        'algorithm',
        /'none'/,
      ],
      ['garbage JWT', 'abc.def.ghi', 'malformed', /not a well-formed JWT/],
    ];
    for (const [name, token, reason, message] of cases) {
      const error = await refusal(auth, `Bearer ${await token}`);
      expect(error.reason, name).toBe(reason);
      expect(error.message, name).toMatch(message);
      expect(error.status).toBe(401);
      expect(error.hint.length, name).toBeGreaterThan(10);
      expect(error.challenge(), name).toMatch(
        /^Bearer realm="mekong", error="invalid_token", error_description="[\x20-\x21\x23-\x5b\x5d-\x7e]+"$/,
      );
    }
    const good = await sign({});
    const [head, body, signature] = good.split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), sub: 'admin' })).toString('base64url')}.${signature}`;
    expect((await refusal(auth, `Bearer ${tampered}`)).reason).toBe('bad-signature');
  });

  it('refuses a token issued in the future beyond the clock tolerance, and accepts one within it', async () => {
    const ahead = await refusal(auth, `Bearer ${await sign({ iat: seconds(3600) })}`);
    expect(ahead.reason).toBe('claims');
    expect(ahead.message).toMatch(/issued in the future \(iat 2026-03-01T09:00:00.000Z, more than 30 s ahead/);
    expect((await refusal(auth, `Bearer ${await sign({ iat: seconds(31) })}`)).reason).toBe('claims');
    expect((await auth.authenticate(`Bearer ${await sign({ iat: seconds(30) })}`)).agent.id).toBe('u-123');
    expect((await refusal(auth, `Bearer ${await sign({ iat: 'yesterday' as unknown as number })}`)).reason).toBe(
      'claims',
    );
  });

  it("names a token's algorithm only when it is a known one", async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const odd = `${part({ alg: 'X<script>Z' })}.${part({ sub: 'x' })}.c2ln`;
    const error = await refusal(auth, `Bearer ${odd}`);
    expect(error.reason).toBe('algorithm');
    expect(error.message).toMatch(/signed with an unknown algorithm/);
    expect(error.message).not.toContain('script');
  });

  it('refuses missing and malformed Authorization headers', async () => {
    expect((await refusal(auth, undefined)).message).toMatch(/missing Authorization header/);
    expect((await refusal(auth, '   ')).reason).toBe('missing');
    expect((await refusal(auth, 'Basic dXNlcjpwYXNz')).message).toMatch(/expected "Bearer <credential>".*'Basic'/);
    expect((await refusal(auth, 'Bearer')).message).toMatch(/no credential/);
    expect((await refusal(auth, 'Bearer a b')).reason).toBe('header');
    expect((await refusal(auth, 'Bearer a b')).challenge()).toMatch(/^Bearer realm="mekong", error="invalid_request"/);
    expect((await refusal(auth, undefined)).challenge()).toBe('Bearer realm="mekong"');
    expect((await refusal(auth, 'Bearer not-a-key-nor-a-jwt')).reason).toBe('unknown-key');
  });
});

describe('bearer JWTs verified with a JWKS', () => {
  it('accepts tokens of any key of the set, picked by kid', async () => {
    const auth = await createAuthenticator({ sql: database.db, config: config({ jwksUrl }), now });
    const byRsa = await sign({ roles: ['nurse'] }, { kid: 'rsa-1' });
    const byEc = await sign({ roles: ['nurse'] }, { kid: 'ec-1', alg: 'ES256', key: ec.privateKey });
    expect((await auth.authenticate(`Bearer ${byRsa}`)).roles).toEqual(['nurse']);
    expect((await auth.authenticate(`Bearer ${byEc}`)).roles).toEqual(['nurse']);
  });

  it('refuses tokens signed by a key not in the set', async () => {
    const auth = await createAuthenticator({ sql: database.db, config: config({ jwksUrl }), now });
    const forged = await sign({}, { kid: 'rsa-1', key: other.privateKey });
    expect((await refusal(auth, `Bearer ${forged}`)).reason).toBe('bad-signature');
    const unknownKid = await sign({}, { kid: 'rsa-9', key: other.privateKey });
    expect((await refusal(auth, `Bearer ${unknownKid}`)).message).toMatch(/no key of the identity provider's JWKS/);
  });

  it('refuses with 401 whatever jose throws about the token itself: a crit extension, a malformed crit', async () => {
    const auth = await createAuthenticator({ sql: database.db, config: config({ jwksUrl }), now });
    const critical = await signRaw({ alg: 'RS256', kid: 'rsa-1', crit: ['urn:x:unknown'], 'urn:x:unknown': 1 });
    const unsupported = await refusal(auth, `Bearer ${critical}`);
    expect(unsupported.reason).toBe('unsupported');
    expect(unsupported.message).toMatch(/critical "crit" header extension/);
    expect((await refusal(auth, `Bearer ${await signRaw({ alg: 'RS256', kid: 'rsa-1', crit: [] })}`)).reason).toBe(
      'malformed',
    );
  });

  it('refuses with 401 (default-deny) an error jose raises that the server does not know, never 503', async () => {
    // A JWKS that serves a private key: jose refuses to use it (JWKSInvalid), which judges no fetch.
    const leaky = await jwksServer({ keys: [{ ...(await exportJWK(ec.privateKey)), kid: 'ec-1', alg: 'ES256' }] });
    try {
      const auth = await createAuthenticator({ sql: database.db, config: config({ jwksUrl: leaky.url }), now });
      const error = await refusal(auth, `Bearer ${await sign({}, { kid: 'ec-1', alg: 'ES256', key: ec.privateKey })}`);
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/could not be verified \(ERR_JWKS_INVALID\)/);
    } finally {
      await leaky.close();
    }
  });

  it('answers 503 when the JWKS endpoint fails: an HTTP 500, a body that is not JSON, JSON that is not a key set', async () => {
    for (const [status, body, why] of [
      [500, '{"error":"down"}', /answered HTTP 500/],
      [200, '<html>maintenance</html>', /not JSON/],
      [200, '{"certs":[]}', /not a JSON Web Key Set/],
    ] as const) {
      const failing = await jwksServer(body, status);
      try {
        const auth = await createAuthenticator({ sql: database.db, config: config({ jwksUrl: failing.url }), now });
        const error = await auth.authenticate(`Bearer ${await sign({}, { kid: 'rsa-1' })}`).catch((e: unknown) => e);
        expect(error, body).toBeInstanceOf(AuthenticationUnavailableError);
        expect((error as Error).message, body).toMatch(why);
      } finally {
        await failing.close();
      }
    }
  });

  it('answers 503, not 401, when the JWKS cannot be fetched', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}/certs`;
    await new Promise((resolve) => down.close(resolve));
    const auth = await createAuthenticator({ sql: database.db, config: config({ jwksUrl: url }), now });
    const error = await auth.authenticate(`Bearer ${await sign({}, { kid: 'rsa-1' })}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationUnavailableError);
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).toContain(url);
  });
});

describe('other key sources', () => {
  it('verifies with a public JWK', async () => {
    const auth = await createAuthenticator({
      sql: database.db,
      config: config({ publicKey: await exportJWK(ec.publicKey), algorithms: ['ES256'] }),
      now,
    });
    const token = await sign({ roles: ['receptionist'] }, { alg: 'ES256', key: ec.privateKey });
    expect((await auth.authenticate(`Bearer ${token}`)).roles).toEqual(['receptionist']);
  });

  it('verifies HS256 only with an explicitly configured secret', async () => {
    const secret = 'a-shared-secret-of-at-least-32-chars!';
    const auth = await createAuthenticator({ sql: database.db, config: config({ secret }), now });
    const key = new TextEncoder().encode(secret);
    expect(
      (await auth.authenticate(`Bearer ${await sign({ roles: ['nurse'] }, { alg: 'HS256', key })}`)).roles,
    ).toEqual(['nurse']);
    const wrong = new TextEncoder().encode('another-shared-secret-of-32-chars-x');
    expect((await refusal(auth, `Bearer ${await sign({}, { alg: 'HS256', key: wrong })}`)).reason).toBe(
      'bad-signature',
    );
    expect((await refusal(auth, `Bearer ${await sign({})}`)).reason).toBe('algorithm');
  });

  it('refuses to start with a public key that fits none of its algorithms', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    await expect(
      createAuthenticator({ sql: database.db, config: config({ publicKey: pem, algorithms: ['ES256'] }), now }),
    ).rejects.toBeInstanceOf(AuthConfigError);
  });

  it('refuses JWTs when no identity provider is configured', async () => {
    const auth = await createAuthenticator({ sql: database.db, config: authConfigSchema.parse({}), now });
    expect((await refusal(auth, `Bearer ${await sign({})}`)).reason).toBe('not-configured');
  });
});

describe('claims to principals: scopes, patient context, compartments', () => {
  let auth: Authenticator;
  beforeAll(async () => {
    auth = await createAuthenticator({
      sql: database.db,
      config: config(
        {
          publicKey: await exportSPKI(rsa.publicKey),
          algorithms: ['RS256'],
          rolesClaims: ['https://hospital.test/roles', 'roles'],
        },
        {
          'ward-nurse': {
            rules: [{ type: '*', interactions: ['read', 'search'] }],
            compartment: { claim: 'patients' },
          },
          pharmacist: {
            rules: [{ type: 'MedicationRequest', interactions: ['read'] }],
          },
        },
      ),
      now,
    });
  });

  it('narrows roles to SMART scopes, v1 and v2', async () => {
    const v1 = await auth.authenticate(
      `Bearer ${await sign({ roles: ['clinician'], scope: 'openid fhirUser user/Observation.read user/Patient.*' })}`,
    );
    expect(v1.scopes).toEqual(['openid', 'fhirUser', 'user/Observation.read', 'user/Patient.*']);
    expect(v1.policy.rules.map((r) => [r.type, r.interactions])).toEqual([
      ['Observation', ['read', 'vread', 'search', 'history']],
      ['Patient', ['read', 'vread', 'search', 'history', 'update', 'patch']],
    ]);
    const v2 = await auth.authenticate(`Bearer ${await sign({ roles: ['clinician'], scope: 'user/Observation.cs' })}`);
    expect(v2.policy.rules).toEqual([
      { type: 'Observation', interactions: ['search', 'create'], readonlyFields: ['meta.security'] },
    ]);
    // Keycloak always sends openid-style scopes: with no resource scope, the roles alone apply.
    const plain = await auth.authenticate(
      `Bearer ${await sign({ roles: ['auditor'], scope: 'openid email profile' })}`,
    );
    expect(plain.policy.rules.map((r) => r.type)).toEqual(['AuditEvent', 'Provenance']);
    // A malformed resource scope grants nothing, and still means the scopes narrow.
    const bad = await auth.authenticate(
      `Bearer ${await sign({ roles: ['clinician'], scope: 'user/Observation.reed' })}`,
    );
    expect(bad.policy.rules).toEqual([]);
  });

  it('gives patient/ scopes the patient context as compartment, and refuses them without one', async () => {
    const launched = await auth.authenticate(
      `Bearer ${await sign({ roles: ['patient'], scope: 'launch/patient patient/*.rs', patient: 'p-42' })}`,
    );
    expect(launched.policy.compartment).toEqual(['Patient/p-42']);
    expect(launched.policy.rules.find((r) => r.type === 'Observation')?.interactions).toEqual([
      'read',
      'vread',
      'search',
      'history',
    ]);
    const viaFhirUser = await auth.authenticate(
      `Bearer ${await sign({ roles: ['patient'], fhirUser: 'https://ehr.test/fhir/Patient/p-7' })}`,
    );
    expect(viaFhirUser.policy.compartment).toEqual(['Patient/p-7']);

    const error = await refusal(
      auth,
      `Bearer ${await sign({ roles: ['clinician'], scope: 'patient/Observation.read' })}`,
    );
    expect(error.reason).toBe('context');
    expect(error.message).toMatch(/patient-level scopes \(patient\/Observation\.read\) but no patient context/);
    expect((await refusal(auth, `Bearer ${await sign({ roles: ['patient'] })}`)).message).toMatch(
      /role 'patient'.*names no patient/,
    );
    expect((await refusal(auth, `Bearer ${await sign({ roles: ['patient'], patient: 'bad id!' })}`)).reason).toBe(
      'claims',
    );
  });

  it('bounds a department role by the claim listing its patients', async () => {
    const principal = await auth.authenticate(
      `Bearer ${await sign({ roles: ['ward-nurse'], patients: ['p1', 'Patient/p2'] })}`,
    );
    expect(principal.policy.compartment).toEqual(['Patient/p1', 'Patient/p2']);
    const empty = await auth.authenticate(`Bearer ${await sign({ roles: ['ward-nurse'], patients: [] })}`);
    expect(empty.policy).toEqual({ rules: [], compartment: [] });
    expect((await refusal(auth, `Bearer ${await sign({ roles: ['ward-nurse'] })}`)).message).toMatch(
      /claim 'patients'.*no such claim/,
    );
  });

  it('reads roles from namespaced claims and marks client-credential tokens as systems', async () => {
    const principal = await auth.authenticate(
      `Bearer ${await sign({
        sub: 'pharmacy-robot',
        client_id: 'pharmacy-robot',
        'https://hospital.test/roles': 'pharmacist',
        scope: 'system/MedicationRequest.read',
      })}`,
    );
    expect(principal.agent.kind).toBe('system');
    expect(principal.client).toBe('pharmacy-robot');
    expect(principal.policy.rules.map((r) => r.type)).toEqual(['MedicationRequest']);
  });

  it('keeps an administrator an administrator only when nothing narrows it', async () => {
    const full = await auth.authenticate(`Bearer ${await sign({ roles: ['admin'] })}`);
    expect(full.admin).toBe(true);
    const narrowed = await auth.authenticate(`Bearer ${await sign({ roles: ['admin'], scope: 'user/*.read' })}`);
    expect(narrowed.admin).toBe(false);
    expect(narrowed.policy.rules).toEqual([
      { type: '*', interactions: ['read', 'vread', 'search', 'history'], readonlyFields: ['meta.security'] },
    ]);
    const everything = await auth.authenticate(`Bearer ${await sign({ roles: ['admin'], scope: 'user/*.cruds' })}`);
    expect(everything.admin).toBe(true);
  });
});
