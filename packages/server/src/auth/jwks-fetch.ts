import type { FetchImplementation } from 'jose';

/**
 * The identity provider's JWKS could not be fetched: the network failed, the request timed out, the endpoint
 * answered something other than 200 or a body that is not a key set. The only failure of a JWT's verification
 * that does not judge the token (503, the caller may retry); everything else is a 401.
 */
export class JwksFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksFetchError';
  }
}

/**
 * The fetch jose's remote key set uses (its `customFetch` option): the same request, but every way the fetch
 * itself can fail throws a {@link JwksFetchError}, so that a failed fetch is told apart from a refused token
 * by its class, not by jose's messages.
 */
export const fetchJwks: FetchImplementation = async (url, options) => {
  let response: Response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || options.signal.aborted;
    throw new JwksFetchError(timedOut ? 'the request timed out' : `the request failed (${causeOf(error)})`, {
      cause: error,
    });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new JwksFetchError(`the endpoint answered HTTP ${response.status} instead of 200`);
  }
  let text: string;
  let json: unknown;
  try {
    text = await response.text();
    json = JSON.parse(text);
  } catch (error) {
    throw new JwksFetchError('the answer is not JSON', { cause: error });
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key))) {
    throw new JwksFetchError('the answer is not a JSON Web Key Set ({"keys": [...]})');
  }
  return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
};

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
