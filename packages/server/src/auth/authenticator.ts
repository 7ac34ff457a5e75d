import type { SqlClient } from '@mekong/store';
import type { JWTPayload } from 'jose';
import { apiKeyAgent } from './api-key-audit.js';
import { type ApiKeyInfo, ApiKeys } from './api-keys.js';
import type { AuthConfig } from './auth-config.js';
import { AuthenticationError } from './authentication-error.js';
import { effectiveGrant } from './effective-policy.js';
import { createJwtVerifier, looksLikeJwt } from './jwt-verifier.js';
import type { Principal } from './principal.js';
import { patientReferences, RoleCatalogue } from './role-catalogue.js';
import { hasResourceScopes, parseSmartScopes } from './smart-scopes.js';

/** Turns an `Authorization` header into a {@link Principal}, or refuses it. */
export interface Authenticator {
  /**
   * The principal of `Authorization: Bearer <JWT or API key>`. Throws an {@link AuthenticationError} (401)
   * saying why when the header is missing or the credential is not valid, and an
   * `AuthenticationUnavailableError` (503) when the identity provider's keys cannot be fetched.
   */
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** The API keys of this database. */
  readonly apiKeys: ApiKeys;
  /** The roles this deployment knows. */
  readonly roles: RoleCatalogue;
}

/**
 * The authenticator of a deployment: API keys from `sql` (run `apiKeyMigrations` first) and, with
 * `config.jwt`, bearer JWTs of the identity provider. A principal may do what its roles grant, narrowed by
 * its token's SMART scopes; unknown roles grant nothing, and no role at all means nothing is allowed.
 *
 * Compartments (patients a principal may see): the SMART `patient` claim or a `fhirUser` naming a Patient
 * (the patient context), an API key's compartment, or a role's compartment (the context, a token claim that
 * lists a department's patients, or a fixed list). `patient/` scopes require the patient context.
 */
export async function createAuthenticator(options: {
  sql: SqlClient;
  config: AuthConfig;
  now?: () => Date;
}): Promise<Authenticator> {
  const now = options.now ?? (() => new Date());
  const roles = new RoleCatalogue(options.config.roles);
  const apiKeys = new ApiKeys(options.sql, now, roles.names());
  const jwt = options.config.jwt;
  const verify = jwt ? await createJwtVerifier(jwt, now) : undefined;

  // A key's principal, made once per remembered record (the record is replaced when the key is checked again).
  const principals = new WeakMap<ApiKeyInfo, Principal>();

  async function fromApiKey(key: string): Promise<Principal> {
    const info = await apiKeys.verify(key);
    let principal = principals.get(info);
    if (!principal) {
      principal = principalOfKey(info);
      principals.set(info, principal);
    }
    return principal;
  }

  function principalOfKey(info: ApiKeyInfo): Principal {
    const granted = roles.resolve(info.roles, info.compartment ? { patientContext: info.compartment } : {});
    const grant = effectiveGrant(info.compartment ? { roles: granted, context: info.compartment } : { roles: granted });
    return {
      agent: apiKeyAgent(info),
      ...grant,
      scopes: [],
      roles: granted.map((role) => role.name),
      ...(info.rateLimit !== undefined ? { rateLimit: info.rateLimit } : {}),
    };
  }

  async function fromJwt(token: string): Promise<Principal> {
    if (!verify || !jwt) {
      throw new AuthenticationError(
        'not-configured',
        'this server does not accept bearer JWTs: no identity provider is configured (auth.jwt)',
        'use an API key, or have the administrator configure auth.jwt',
      );
    }
    const claims = await verify(token);
    const sub = claims.sub as string;
    const client = stringClaim(claims, 'azp') ?? stringClaim(claims, 'client_id');
    const scopes = scopesOf(claims);
    const parsed = parseSmartScopes(scopes);
    const patientContext = patientContextOf(claims);
    const names = jwt.rolesClaims.flatMap((path) => roleNames(claimAt(claims, path)));
    const granted = roles.resolve(names, {
      ...(patientContext ? { patientContext } : {}),
      claim: (name) => claimAt(claims, name),
    });
    let grant: ReturnType<typeof effectiveGrant>;
    if (hasResourceScopes(parsed)) {
      const patientScopes = parsed.resource.filter((scope) => scope.context === 'patient');
      if (patientScopes.length > 0 && !patientContext) {
        throw new AuthenticationError(
          'context',
          `the token has patient-level scopes (${patientScopes.map((s) => s.scope).join(' ')}) but no patient context`,
          'launch the app with a patient (the token needs a "patient" claim or a fhirUser that is a Patient), or request user/ scopes',
        );
      }
      grant = effectiveGrant({
        roles: granted,
        scopes: parsed.resource,
        ...(patientScopes.length > 0 && patientContext ? { context: patientContext } : {}),
      });
    } else {
      grant = effectiveGrant({ roles: granted });
    }
    const system =
      (client !== undefined && client === sub) ||
      (parsed.resource.length > 0 && parsed.resource.every((scope) => scope.context === 'system'));
    const display = stringClaim(claims, 'name') ?? stringClaim(claims, 'preferred_username');
    return {
      agent: { kind: system ? 'system' : 'user', id: sub, ...(display ? { display } : {}) },
      ...(client ? { client } : {}),
      ...grant,
      scopes,
      roles: granted.map((role) => role.name),
    };
  }

  return {
    apiKeys,
    roles,
    async authenticate(authorization) {
      const credential = bearerCredential(authorization);
      return looksLikeJwt(credential) ? fromJwt(credential) : fromApiKey(credential);
    },
  };
}

function bearerCredential(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthenticationError(
      'missing',
      'missing Authorization header: this endpoint requires authentication',
      'send Authorization: Bearer <access token or API key>',
    );
  }
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match) {
    throw new AuthenticationError(
      'header',
      `malformed Authorization header: expected "Bearer <credential>", ${headerShape(authorization)}`,
      'send Authorization: Bearer <access token or API key> (one space, no quotes)',
    );
  }
  return match[1] as string;
}

// Schemes a client may send by mistake, named by the 401; any other first word may be a credential.
const KNOWN_SCHEMES = ['Basic', 'Digest', 'Negotiate', 'NTLM', 'Token', 'ApiKey', 'Api-Key', 'DPoP', 'HOBA', 'Mutual'];

// What is wrong with a header that is not `Bearer <credential>`, without quoting any of it (a key sent without
// "Bearer" would otherwise be echoed): only a scheme of a fixed list is named.
function headerShape(authorization: string): string {
  const words = authorization.trim().split(/\s+/);
  const first = words[0] ?? '';
  const known = KNOWN_SCHEMES.find((scheme) => scheme.toLowerCase() === first.toLowerCase());
  if (first.toLowerCase() === 'bearer') {
    return words.length === 1
      ? 'got the scheme Bearer and no credential'
      : 'got Bearer with a credential that contains spaces or other characters that are not allowed';
  }
  if (known) return `got the scheme '${known}'${words.length === 1 ? ' and no credential' : ''}`;
  return words.length === 1
    ? 'got a single word without the scheme Bearer (not repeated here: it may be a credential)'
    : 'got another scheme (not repeated here: it may be part of a credential)';
}

function stringClaim(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// A claim by exact name first (namespaced URL claims contain dots), then as a dotted path into nested claims.
function claimAt(claims: JWTPayload, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function roleNames(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function scopesOf(claims: JWTPayload): string[] {
  const value = claims.scope ?? claims.scp;
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// SMART: the launch's `patient`, or a fhirUser that is itself a Patient.
function patientContextOf(claims: JWTPayload): string[] | undefined {
  if (claims.patient !== undefined) return patientReferences(claims.patient, "the token's 'patient' claim");
  const fhirUser = stringClaim(claims, 'fhirUser');
  if (fhirUser && /(^|\/)Patient\/[^/]+$/.test(fhirUser)) {
    return patientReferences(fhirUser, "the token's 'fhirUser' claim");
  }
  return undefined;
}
