import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  importJWK,
  importSPKI,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyObject,
} from 'jose';
import type { JwtAlgorithm, JwtConfig } from './auth-config.js';
import { AuthenticationError, AuthenticationUnavailableError } from './authentication-error.js';

/** The auth configuration cannot work (a key that does not import): the server must not start. */
export class AuthConfigError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthConfigError';
  }
}

type Key = CryptoKey | KeyObject | Uint8Array;
type Verify = (token: string) => Promise<JWTPayload>;

const ASYMMETRIC: JwtAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];

/** Whether a bearer credential has the shape of a JWS compact token: three base64url parts. */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(credential);
}

/**
 * A verifier of bearer JWTs: signature by the configured key (JWKS, public key or shared secret) with an
 * allowed algorithm, `iss`, `aud`, `exp` (and `nbf`) within the clock tolerance, `sub` present. Every failure
 * is an {@link AuthenticationError} saying which check failed; an unreachable JWKS is an
 * {@link AuthenticationUnavailableError}.
 */
export async function createJwtVerifier(config: JwtConfig, now: () => Date): Promise<Verify> {
  const algorithms: JwtAlgorithm[] = config.algorithms ?? (config.secret !== undefined ? ['HS256'] : ASYMMETRIC);
  const key = await keySource(config, algorithms);
  return async (token) => {
    const alg = headerAlgorithm(token);
    if (!algorithms.includes(alg as JwtAlgorithm)) {
      throw new AuthenticationError(
        'algorithm',
        `the token is signed with '${alg}', which this server does not accept (it accepts ${algorithms.join(', ')})`,
        'have the identity provider sign tokens with an accepted algorithm, or add it to auth.jwt.algorithms',
      );
    }
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms,
        clockTolerance: config.clockToleranceSeconds,
        currentDate: now(),
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch (error) {
      throw explain(error, config);
    }
  };
}

function headerAlgorithm(token: string): string {
  try {
    const alg = decodeProtectedHeader(token).alg;
    if (typeof alg === 'string') return alg;
  } catch {}
  throw new AuthenticationError(
    'malformed',
    'the bearer token is not a well-formed JWT (its header cannot be read)',
    'send the access token exactly as the identity provider issued it',
  );
}

async function keySource(config: JwtConfig, algorithms: readonly JwtAlgorithm[]): Promise<Key | JWTVerifyGetKey> {
  if (config.jwksUrl !== undefined) {
    return createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  }
  if (config.secret !== undefined) return new TextEncoder().encode(config.secret);
  const publicKey = config.publicKey;
  if (publicKey === undefined) {
    throw new AuthConfigError('auth.jwt has no key source', 'configure jwksUrl, publicKey or secret');
  }
  // A key imports for one algorithm; import it for each allowed one it fits, once, at start.
  const keys = new Map<string, Key>();
  const failures: string[] = [];
  for (const alg of algorithms) {
    try {
      keys.set(
        alg,
        typeof publicKey === 'string' ? await importSPKI(publicKey, alg) : await importJWK(publicKey as JWK, alg),
      );
    } catch (error) {
      failures.push(`${alg}: ${(error as Error).message}`);
    }
  }
  if (keys.size === 0) {
    throw new AuthConfigError(
      `auth.jwt.publicKey cannot be used with any of the algorithms ${algorithms.join(', ')} (${failures.join('; ')})`,
      "check that publicKey is the identity provider's public key and that auth.jwt.algorithms names its algorithm",
    );
  }
  return (header: JWSHeaderParameters) => {
    const key = keys.get(header.alg ?? '');
    if (key) return key;
    throw new AuthenticationError(
      'algorithm',
      `the token is signed with '${header.alg}', but the configured public key is not a key for that algorithm`,
      `have the identity provider sign with ${[...keys.keys()].join(' or ')}`,
    );
  };
}

function explain(error: unknown, config: JwtConfig): Error {
  if (error instanceof AuthenticationError) return error;
  if (error instanceof errors.JWTExpired) {
    return new AuthenticationError(
      'expired',
      `the token expired${typeof error.payload.exp === 'number' ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : ''}`,
      'obtain a new access token (refresh it) and retry',
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const expected: Record<string, string> = {
      iss: `the token's issuer is not '${config.issuer}'`,
      aud: `the token's audience is not ${[config.audience]
        .flat()
        .map((a) => `'${a}'`)
        .join(' or ')}`,
      nbf: 'the token is not valid yet (nbf is in the future)',
      iat: 'the token was issued in the future (iat)',
      sub: 'the token has no subject (sub)',
      exp: 'the token has no expiry (exp): tokens without one are refused',
    };
    return new AuthenticationError(
      'claims',
      expected[error.claim] ?? `the token's claim '${error.claim}' is not valid (${error.reason})`,
      error.claim === 'iss' || error.claim === 'aud'
        ? 'request the token from the identity provider and for the audience this server is configured with (auth.jwt.issuer, auth.jwt.audience)'
        : "check the identity provider's clock and token settings, then obtain a new token",
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError(
      'bad-signature',
      "the token's signature does not verify with the configured key",
      'the token was altered or signed by another issuer: obtain a new token from the configured identity provider',
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError(
      'bad-signature',
      "no key of the identity provider's JWKS matches the token (kid and algorithm)",
      'the token was signed by another issuer or with a retired key: obtain a new token',
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthenticationError(
      'algorithm',
      `the token's algorithm is not accepted: ${error.message}`,
      'have the identity provider sign with an accepted algorithm',
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new AuthenticationError(
      'malformed',
      `the bearer token is not a valid JWT: ${error.message}`,
      'send the access token exactly as the identity provider issued it',
    );
  }
  if (config.jwksUrl !== undefined) {
    return new AuthenticationUnavailableError(
      `the identity provider's keys could not be fetched from ${config.jwksUrl}: ${(error as Error).message}`,
      'check that the JWKS URL is reachable from the server; the request may be retried',
      { cause: error },
    );
  }
  return new AuthenticationError(
    'malformed',
    `the token could not be verified: ${(error as Error).message}`,
    'send the access token exactly as the identity provider issued it',
  );
}
