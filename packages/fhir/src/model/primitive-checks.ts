/** The date part of a FHIR date, dateTime or instant exists on the calendar (no 2024-02-30). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return true; // YYYY or YYYY-MM: the regex has already checked them
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Base64 with optional whitespace, checked in linear time. (The specification's regex backtracks
 * exponentially on long invalid input, which would let one request stall the server.)
 */
export function isBase64(value: string): boolean {
  const compact = value.replace(/[ \t\n\r]/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

/** FHIR text: non-empty, and no control characters other than tab, CR and LF. */
export function isText(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The message for text that {@link isStorableText} refuses. */
export const STORABLE_TEXT =
  'must be valid Unicode text: no NUL character (\\u0000) and no unpaired surrogate (\\uD800-\\uDFFF)';

/**
 * Text that JSON, UTF-8 and PostgreSQL can all hold: no NUL character, which PostgreSQL's text and jsonb refuse,
 * and no unpaired UTF-16 surrogate (a lone `\uD800`), which is not a Unicode character at all. Every string
 * primitive is checked, so such text is an issue at its element's path rather than a database error.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);
}
