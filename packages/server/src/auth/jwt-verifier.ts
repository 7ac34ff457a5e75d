import {
  type CryptoKey,
  createRemoteJWKSet,
  customFetch,
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
import { JWT_ALGORITHMS, type JwtAlgorithm, type JwtConfig } from './auth-config.js';
import { AuthenticationError, AuthenticationUnavailableError } from './authentication-error.js';
import { fetchJwks, JwksFetchError } from './jwks-fetch.js';

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
 * allowed algorithm, `iss`, `aud`, `exp`, `nbf` and `iat` (not in the future) within the clock tolerance, `sub`
 * present. Every failure is an {@link AuthenticationError} saying which check failed, whatever jose threw;
 * only a JWKS that cannot be fetched is an {@link AuthenticationUnavailableError}.
 */
export async function createJwtVerifier(config: JwtConfig, now: () => Date): Promise<Verify> {
  const algorithms: JwtAlgorithm[] = config.algorithms ?? (config.secret !== undefined ? ['HS256'] : ASYMMETRIC);
  const key = await keySource(config, algorithms);
  return async (token) => {
    const alg = headerAlgorithm(token);
    if (!algorithms.includes(alg as JwtAlgorithm)) {
      throw new AuthenticationError(
        'algorithm',
        `the token is signed with ${algorithmName(alg)}, which this server does not accept (it accepts ${algorithms.join(', ')})`,
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
      refuseFutureIssue(payload, now(), config.clockToleranceSeconds);
      return payload;
    } catch (error) {
      throw explain(error, config);
    }
  };
}

// jose checks `iat` only against a maximum age; a token issued in the future is refused here.
function refuseFutureIssue(payload: JWTPayload, now: Date, toleranceSeconds: number): void {
  if (typeof payload.iat === 'number' && payload.iat > now.getTime() / 1000 + toleranceSeconds) {
    throw new AuthenticationError(
      'claims',
      `the token was issued in the future (iat ${new Date(payload.iat * 1000).toISOString()}, more than ${toleranceSeconds} s ahead of the server's clock)`,
      "check the identity provider's clock (and the server's), then obtain a new token",
    );
  }
}

// The token's own `alg` is named only when it is one of the known values: it is text the caller chose.
function algorithmName(alg: string): string {
  return (JWT_ALGORITHMS as readonly string[]).includes(alg) || alg === 'none' ? `'${alg}'` : 'an unknown algorithm';
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
    return createRemoteJWKSet(new URL(config.jwksUrl), {
      timeoutDuration: 5_000,
      cooldownDuration: 30_000,
      [customFetch]: fetchJwks,
    });
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
      `the token is signed with ${algorithmName(header.alg ?? '')}, but the configured public key is not a key for that algorithm`,
      `have the identity provider sign with ${[...keys.keys()].join(' or ')}`,
    );
  };
}

/**
 * The answer to a failed verification. Default-deny: only a JWKS that could not be fetched (a
 * {@link JwksFetchError}) is a 503; whatever else jose (or a key) throws is about the token, a 401 that is
 * audited and counted like any failed authentication. Messages are the server's own, never jose's (which may
 * quote the token's header).
 */
function explain(error: unknown, config: JwtConfig): Error {
  if (error instanceof AuthenticationError) return error;
  const fetchFailure = fetchFailureOf(error);
  if (fetchFailure) {
    return new AuthenticationUnavailableError(
      `the identity provider's keys could not be fetched from ${config.jwksUrl}: ${fetchFailure.message}`,
      'check that the JWKS URL is reachable from the server and answers its key set; the request may be retried',
      { cause: error },
    );
  }
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
      iat: 'the token was issued in the future, or its issue time (iat) is not a number',
      sub: 'the token has no subject (sub)',
      exp: 'the token has no expiry (exp): tokens without one are refused',
    };
    return new AuthenticationError(
      'claims',
      expected[error.claim] ?? 'a claim of the token is not valid',
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
      "the token's algorithm is not accepted",
      'have the identity provider sign with an accepted algorithm',
    );
  }
  if (error instanceof errors.JOSENotSupported) {
    return new AuthenticationError(
      'unsupported',
      'the token uses something this server does not support (a critical "crit" header extension, or an algorithm or key type)',
      'have the identity provider issue plain signed JWTs (no "crit" extensions) with an accepted algorithm',
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new AuthenticationError(
      'malformed',
      'the bearer token is not a valid JWT (its header, claims or signature cannot be read)',
      'send the access token exactly as the identity provider issued it',
    );
  }
  const code = error instanceof errors.JOSEError ? ` (${error.code})` : '';
  return new AuthenticationError(
    'malformed',
    `the token could not be verified${code}`,
    'send the access token exactly as the identity provider issued it',
  );
}

// jose rethrows what the fetch threw as it is, or wraps it (a timeout) with the original as its cause.
function fetchFailureOf(error: unknown): JwksFetchError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current instanceof JwksFetchError) return current;
    current = current.cause;
  }
  return undefined;
}
