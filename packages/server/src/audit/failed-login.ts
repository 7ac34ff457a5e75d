import type { AuthenticationError, AuthenticationFailure } from '../auth/index.js';

// In the server's own words: an error's message may quote the request (a "scheme" that is in fact a key
// sent without "Bearer", a token's header), and no part of a credential may reach the audit trail.
const REASONS: Record<AuthenticationFailure, string> = {
  missing: 'no credential: the request has no Authorization header',
  header: 'malformed Authorization header: not "Bearer <credential>"',
  malformed: 'the bearer credential is neither a well-formed JWT nor an API key',
  'unknown-key': 'unknown API key',
  revoked: 'revoked API key',
  expired: 'expired credential (API key or token)',
  'bad-signature': "the token's signature does not verify with a key of the identity provider",
  algorithm: 'the token is signed with an algorithm this server does not accept',
  claims: "the token's claims are not valid (issuer, audience, subject, times or patients)",
  unsupported: 'the token uses a feature this server does not support (a crit extension, an algorithm or key type)',
  context: 'the credential lacks the patient context its roles or scopes need',
  'not-configured': 'a JWT was sent, but no identity provider is configured',
};

/**
 * Why an authentication failed, for the audit trail: its reason code and a fixed description, with the id of a
 * revoked or expired API key (a key in use after it was withdrawn is worth finding). Never the credential.
 */
export function failedLoginDetail(error: AuthenticationError): string {
  const key = error.apiKeyId ? ` (key id ${error.apiKeyId})` : '';
  return `authentication failed (${error.reason}): ${REASONS[error.reason] ?? 'the credential was refused'}${key}`;
}
