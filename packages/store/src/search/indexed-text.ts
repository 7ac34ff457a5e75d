/**
 * How many bytes (UTF-8) of a text value the search indexes keep: its leading part, cut before a character
 * that would not fit. PostgreSQL refuses a B-tree entry of more than about 2,704 bytes, and one entry holds up
 * to two such values (a token's system and code) beside the resource type, parameter and id; 1,000 bytes each
 * leaves room for all of them. Search values are cut the same way, so beyond 1,000 bytes matching is by this
 * leading part: two values that share their first 1,000 bytes match each other. The resource itself is stored
 * whole, and `:exact` on strings compares the whole text.
 */
export const INDEXED_TEXT_BYTES = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The leading part of a text value that the search indexes keep (see {@link INDEXED_TEXT_BYTES}). */
export function indexedText(value: string): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short text needs no encoding to know it fits.
  if (value.length * 3 <= INDEXED_TEXT_BYTES) return value;
  const bytes = encoder.encode(value);
  if (bytes.length <= INDEXED_TEXT_BYTES) return value;
  let end = INDEXED_TEXT_BYTES;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // a continuation byte: back to its start
  return decoder.decode(bytes.subarray(0, end));
}

/** {@link indexedText}, passing null through (a token or quantity without a system). */
export function indexedTextOrNull(value: string | null): string | null {
  return value === null ? null : indexedText(value);
}
