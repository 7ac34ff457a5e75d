import { type ApiKeyChangeHook, ApiKeyRequestError, type ApiKeys } from './api-keys.js';
import { looksLikeJwt } from './jwt-verifier.js';

/** The environment variable that may carry the first administrator key. */
export const BOOTSTRAP_KEY_ENV = 'MEKONG_BOOTSTRAP_API_KEY';

/**
 * On first start, creates the administrator API key: the one in `fromEnv` (`MEKONG_BOOTSTRAP_API_KEY`) when
 * given, else a generated one, returned in `key` for the caller to print once. Never again once an
 * administrator key was ever created (`created: false`, and `fromEnv` is then ignored). A key given in the
 * environment must be at least 32 printable characters with some variety: there is no default password.
 * `within` runs in the transaction that creates it, with its record: to audit it.
 */
export async function ensureBootstrapKey(
  keys: ApiKeys,
  fromEnv: string | undefined,
  within?: ApiKeyChangeHook,
): Promise<{ key?: string; created: boolean }> {
  const given = fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  if (given !== undefined) checkBootstrapKey(given);
  const created = await keys.createFirstAdmin(given, within);
  if (!created) return { created: false };
  return given === undefined ? { key: created.key, created: true } : { created: true };
}

function checkBootstrapKey(key: string): void {
  const problem =
    key.length < 32
      ? `has ${key.length} characters, fewer than 32`
      : key.length > 512
        ? 'is longer than 512 characters'
        : !/^[\x21-\x7e]+$/.test(key)
          ? 'contains spaces or characters outside printable ASCII'
          : new Set(key).size < 10
            ? 'repeats too few characters to be random'
            : looksLikeJwt(key)
              ? 'has the shape of a JWT (three parts separated by dots), so it would be read as one'
              : undefined;
  if (problem) {
    throw new ApiKeyRequestError(
      `${BOOTSTRAP_KEY_ENV} ${problem}: refusing it as the administrator key`,
      `set ${BOOTSTRAP_KEY_ENV} to a random value (openssl rand -base64 32), or leave it unset to have one generated and printed once`,
    );
  }
}
