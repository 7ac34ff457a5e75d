/** The parameters of one SQL statement as it is built: `add` returns the placeholder of a new one. */
export class SqlParams {
  readonly params: unknown[] = [];
  add(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** Splits a parameter value on commas not escaped with a backslash, and unescapes `\,`, `\|`, `\$`, `\\`. */
export function splitValues(value: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && i + 1 < value.length) {
      current += value[++i];
    } else if (c === ',') {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

/** Escapes LIKE's wildcards, so a searched `%` or `_` matches itself. */
export const likeEscape = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);
