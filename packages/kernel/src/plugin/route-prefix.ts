/** A path segment of a route prefix: unreserved URL characters only (RFC 3986), no parameters or wildcards. */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * What is wrong with a declared route prefix (`capabilities.routes`), or undefined when it is well formed: `/`
 * then one or more segments of letters, digits, `-`, `.`, `_` or `~`, separated by single `/`s, not ending in
 * `/`, with no `.` or `..` segment (`/claims-bhyt`, `/lab/results`). A prefix is a literal path: no parameters
 * (`:id`), wildcards or queries.
 */
export function routePrefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith('/')) return 'must start with "/"';
  if (prefix === '/') return 'must name a path of its own, such as "/claims-bhyt": "/" would take every path';
  if (prefix.endsWith('/')) return 'must not end with "/"';
  const segments = prefix.slice(1).split('/');
  if (segments.includes('')) return 'must not have an empty segment ("//")';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'must not have "." or ".." segments';
  if (!segments.every((segment) => SEGMENT.test(segment))) {
    return 'may hold only letters, digits, "-", ".", "_" and "~" between its "/"s (no parameters, wildcards, queries or spaces)';
  }
  return undefined;
}

/**
 * Whether two well-formed prefixes overlap: the same, or one within the other (`/lab` and `/lab/results`, not
 * `/lab` and `/laboratory`), compared without regard to case (`/Admin` passes for `/admin` to people and proxies).
 */
export function prefixesOverlap(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}
