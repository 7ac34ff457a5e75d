import { ruleProblems } from '@mekong/store';
import { z } from 'zod';

const INTERACTIONS = ['read', 'vread', 'search', 'history', 'create', 'update', 'patch', 'delete'] as const;

/** Signature algorithms a token may use. `HS*` only with a shared `secret`; never `none`. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
] as const;

/** A signature algorithm of {@link JWT_ALGORITHMS}. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const resourceType = z.string().min(1, 'a FHIR resource type such as "Observation", or "*" for every type');
// Checked against the type's definition by the rule (ruleProblems): here, only that it is some text.
const fieldPath = z.string().min(1, 'an element path such as "telecom" or "meta.security"');
const patientReference = z
  .string()
  .regex(/^Patient\/[A-Za-z0-9\-.]{1,64}$/, 'a patient reference such as "Patient/123"');
const operationName = z
  .string()
  .regex(/^(\$?[a-z][A-Za-z0-9-]{0,63}|\*)$/, 'an operation name such as "$everything", or "*" for every operation')
  .transform((name) => (name === '*' || name.startsWith('$') ? name : `$${name}`));

/** The name of a role: how tokens (`roles` claim) and API keys refer to it. */
export const roleNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/, 'a role name of letters, digits, "_", ".", ":" or "-"');

/**
 * One rule of a role: the interactions it allows on a resource type, with fields hidden or read-only. The type
 * must be a FHIR R4 resource type (or `*`), and each field path an element of it (of some type, for `*`): see
 * `ruleProblems` of `@mekong/store` for the forms accepted. A misspelt path is refused, with the closest names,
 * rather than hiding nothing.
 */
export const resourceRuleSchema = z
  .strictObject({
    type: resourceType,
    interactions: z.array(z.enum(INTERACTIONS)).min(1, 'list at least one interaction'),
    hiddenFields: z.array(fieldPath).optional(),
    readonlyFields: z.array(fieldPath).optional(),
  })
  .superRefine((rule, ctx) => {
    for (const problem of ruleProblems(rule)) {
      ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    }
  });

/**
 * Where a role's patient compartment comes from, when the role sees only some patients' data:
 * - `'patient-context'`: the principal's patient (SMART `patient` claim, a `fhirUser` naming a Patient, or the
 *   compartment of an API key);
 * - `{ claim }`: a token claim listing patient ids or `Patient/id` references (a department's patients, put in
 *   the token by the identity provider);
 * - `{ patients }`: a fixed list (a plugin or device acting for known patients).
 */
export const roleCompartmentSchema = z.union(
  [
    z.literal('patient-context'),
    z.strictObject({ claim: z.string().min(1, 'name the claim that lists the patients') }),
    z.strictObject({ patients: z.array(patientReference).min(1, 'list at least one patient') }),
  ],
  // When no form fits at all, say which forms there are (zod's own message is "Invalid input").
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'must be "patient-context", { claim: "<token claim>" } or { patients: ["Patient/<id>", ...] }'
        : undefined,
  },
);

/** A role: what its holders may do. Several roles add up; a compartment-bound role bounds the whole principal. */
export const roleDefinitionSchema = z.strictObject({
  description: z.string().optional(),
  /** Holders manage the server (API keys, audit): only with nothing narrowing the role. */
  admin: z.boolean().default(false),
  rules: z.array(resourceRuleSchema),
  /** FHIR operations the holders may invoke: `$everything`, or `*` for all. */
  operations: z.array(operationName).default([]),
  compartment: roleCompartmentSchema.optional(),
});

/** A role as configured (defaults applied). */
export type RoleDefinition = z.output<typeof roleDefinitionSchema>;

const publicJwk = z.looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']) }).superRefine((jwk, ctx) => {
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
    ctx.addIssue({
      code: 'custom',
      message: 'this JWK holds private or secret key material: configure only the public key (drop "d", "p", "k")',
    });
  }
});

const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Verification of OAuth2/OIDC bearer tokens: exactly one key source, issuer and audience required. */
export const jwtConfigSchema = z
  .strictObject({
    /** The `iss` every token must carry. */
    issuer: z.string().min(1, 'give the issuer (iss) tokens must carry'),
    /** The `aud` every token must carry (one of them, when a list). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** The identity provider's JWKS (`https://idp/.../certs`); `http` only on loopback. */
    jwksUrl: z.url().optional(),
    /** A public key: PEM (SPKI, `-----BEGIN PUBLIC KEY-----`) or a public JWK. */
    publicKey: z.union([z.string().includes('-----BEGIN PUBLIC KEY-----'), publicJwk]).optional(),
    /** A shared HMAC secret (at least 32 characters); enables HS256/384/512 and only those. */
    secret: z.string().min(32, 'a shared secret must have at least 32 characters').optional(),
    /** Allowed `alg` values. Default: `HS256` with a secret, else RS256, PS256, ES256, EdDSA, Ed25519. */
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional(),
    /** Allowed clock skew for `exp` and `nbf`, in seconds (at most 300). */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** Claims holding role names, tried in order; dotted paths reach nested claims (Keycloak). */
    rolesClaims: z.array(z.string().min(1)).min(1).default(['roles', 'realm_access.roles']),
  })
  .superRefine((jwt, ctx) => {
    const sources = (['jwksUrl', 'publicKey', 'secret'] as const).filter((key) => jwt[key] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          sources.length === 0
            ? 'configure how tokens are verified: one of jwksUrl, publicKey or secret'
            : `configure one key source, not ${sources.join(' and ')}`,
      });
    }
    const hmac = (jwt.algorithms ?? []).filter((alg) => alg.startsWith('HS'));
    if (jwt.secret === undefined && hmac.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: `${hmac.join(', ')} need a shared secret: with a public key they would let anyone who knows it sign`,
      });
    }
    if (jwt.secret !== undefined && (jwt.algorithms ?? []).some((alg) => !alg.startsWith('HS'))) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'a shared secret verifies HS256/384/512 only' });
    }
    if (jwt.jwksUrl !== undefined && URL.canParse(jwt.jwksUrl)) {
      const url = new URL(jwt.jwksUrl);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback.has(url.hostname))) {
        ctx.addIssue({
          code: 'custom',
          path: ['jwksUrl'],
          message: 'the JWKS must be fetched over https (http only on localhost)',
        });
      }
    }
  });

/** How the server authenticates callers and which roles it knows. */
export const authConfigSchema = z.strictObject({
  /** Bearer JWTs from an OAuth2/OIDC identity provider; without it only API keys are accepted. */
  jwt: jwtConfigSchema.optional(),
  /** Roles added to the built-in ones (admin, clinician, nurse, receptionist, auditor, patient) or replacing them. */
  roles: z.record(roleNameSchema, roleDefinitionSchema).default({}),
});

/** The auth configuration, defaults applied. */
export type AuthConfig = z.output<typeof authConfigSchema>;
/** The JWT part of {@link AuthConfig}. */
export type JwtConfig = z.output<typeof jwtConfigSchema>;
