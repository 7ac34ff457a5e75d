import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InvalidSearchError } from './invalid-search-error.js';
import { type Cursor, type SortKey, type SortOrder, sortKeyCast } from './sort.js';

const IV = 12;
const TAG = 16;

/**
 * An opaque token for the next page's link: where the page ended, sealed with AES-256-GCM. A caller reads
 * nothing from it (the sort values may be of elements it may not see) and cannot change it; `scope` (what the
 * search was and for whom) is authenticated with it, so it opens only for the search it was cut for.
 */
export function encodeCursor(key: Buffer, scope: string, order: SortOrder, cursor: Cursor): string {
  return sealCursor(key, scope, { s: order.spec, k: cursor.values, id: cursor.id });
}

/**
 * Opens a cursor, refusing one this database's servers did not cut for this search (`scope`) or that was
 * changed, and one cut under another sort.
 */
export function decodeCursor(key: Buffer, scope: string, order: SortOrder, value: string): Cursor {
  const notIssued = () =>
    new InvalidSearchError(
      '_cursor',
      'is not a cursor this server issued for this search',
      "follow the Bundle's next link as it is (a cursor serves the search and the caller it was cut for), or start again without _cursor",
    );
  const c = openCursor(key, scope, value) as { s?: unknown; k?: unknown; id?: unknown } | null | undefined;
  if (!c || typeof c !== 'object' || typeof c.s !== 'string' || typeof c.id !== 'string' || !Array.isArray(c.k))
    throw notIssued();
  if (c.s !== order.spec) {
    throw new InvalidSearchError(
      '_cursor',
      `was cut for _sort '${c.s}', not '${order.spec}'`,
      'follow the next link with the _sort it came with, or start again without _cursor',
    );
  }
  const values = c.k as unknown[];
  const valid = (v: unknown, i: number) =>
    v === null || (typeof v === 'string' && validValue(order.keys[i] as SortKey, v));
  if (values.length !== order.keys.length || !values.every(valid)) throw notIssued();
  return { values: values as (string | null)[], id: c.id };
}

/**
 * What a cursor is bound to, authenticated with it: the type, the caller and its compartment, and the query's
 * parameters but those in `unbound` (the page size, and what the cursor itself checks), so one replayed against
 * another search or by another caller cannot probe values.
 */
export function cursorScope(
  type: string,
  kept: readonly (readonly [string, string])[],
  who: { readonly caller?: string; readonly compartment?: readonly string[] },
  unbound: ReadonlySet<string>,
): string {
  const filters = kept.filter(([name]) => !unbound.has(name)).map((entry) => JSON.stringify(entry));
  return JSON.stringify([type, who.caller ?? null, who.compartment ?? null, filters.sort()]);
}

/** `value` as JSON sealed with AES-256-GCM under `key`, with `scope` authenticated beside it, in base64url. */
export function sealCursor(key: Buffer, scope: string, value: unknown): string {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(scope));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** What {@link sealCursor} sealed, or undefined when `value` was not sealed under this key and scope, or was changed. */
export function openCursor(key: Buffer, scope: string, value: string): unknown {
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length <= IV + TAG || bytes.toString('base64url') !== value) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV), { authTagLength: TAG })
      .setAAD(Buffer.from(scope))
      .setAuthTag(bytes.subarray(IV, IV + TAG));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV + TAG)), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined;
  }
}

function validValue(key: SortKey, value: string): boolean {
  const cast = sortKeyCast(key);
  if (cast === 'numeric') return /^-?\d+(\.\d+)?$/.test(value);
  if (cast === 'timestamptz') return /^-?infinity$/.test(value) || !Number.isNaN(Date.parse(value));
  return true;
}
