/** Why a request could not be authenticated: a stable code for logs, metrics and `WWW-Authenticate`. */
export type AuthenticationFailure =
  | 'missing'
  | 'malformed'
  | 'unknown-key'
  | 'revoked'
  | 'expired'
  | 'bad-signature'
  | 'algorithm'
  | 'claims'
  | 'context'
  | 'not-configured';

/**
 * The caller is not who it claims to be, or did not say: answer 401. The message says why (missing header,
 * malformed, unknown, revoked or expired key, bad signature, wrong issuer or audience, expired token) and the
 * hint what to do; neither ever contains the credential.
 */
export class AuthenticationError extends Error {
  readonly status = 401;
  readonly code = 'UNAUTHENTICATED';

  constructor(
    readonly reason: AuthenticationFailure,
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthenticationError';
  }
}

/**
 * The credential could not be checked because something the server depends on failed (the identity provider's
 * JWKS did not answer): answer 503, the caller may retry; its credential was not judged.
 */
export class AuthenticationUnavailableError extends Error {
  readonly status = 503;
  readonly code = 'AUTHENTICATION_UNAVAILABLE';

  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuthenticationUnavailableError';
  }
}
