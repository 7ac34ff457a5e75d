/**
 * Why a request could not be authenticated, a stable code for logs and metrics: `missing` no credential,
 * `header` not `Bearer <credential>`, `malformed` a credential that is neither a JWT nor an API key, then the
 * failed check of the key or token (`unsupported`: a token using a feature the server does not implement,
 * such as a `crit` extension), `context` a patient context the credential lacks, `not-configured` JWTs sent to a
 * server without an identity provider.
 */
export type AuthenticationFailure =
  | 'missing'
  | 'header'
  | 'malformed'
  | 'unknown-key'
  | 'revoked'
  | 'expired'
  | 'bad-signature'
  | 'algorithm'
  | 'claims'
  | 'unsupported'
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
  /** The id of the API key refused as revoked or expired (its record's id, never the key). */
  readonly apiKeyId: string | undefined;

  constructor(
    readonly reason: AuthenticationFailure,
    message: string,
    readonly hint: string,
    options?: { cause?: unknown; apiKeyId?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthenticationError';
    this.apiKeyId = options?.apiKeyId;
  }

  /**
   * The `WWW-Authenticate` header of the 401 (RFC 6750): no error code when no credential was sent,
   * `invalid_request` for a malformed header, `invalid_token` otherwise.
   */
  challenge(realm = 'mekong'): string {
    if (this.reason === 'missing') return `Bearer realm="${realm}"`;
    const error = this.reason === 'header' ? 'invalid_request' : 'invalid_token';
    // error_description allows printable ASCII without '"' and '\\' only (and a header nothing outside Latin-1).
    const description = this.message.replaceAll('"', "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
    return `Bearer realm="${realm}", error="${error}", error_description="${description}"`;
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
