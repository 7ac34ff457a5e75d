import type { ResourceType } from '@mekong/fhir';
import { InvalidSearchError } from './invalid-search-error.js';
import { type IndexedParameter, parametersOf } from './search-parameters.js';
import type { SqlParams } from './sql-params.js';

/** One key of `_sort`: a search parameter (or `_lastUpdated`) and its direction. */
export interface SortKey {
  readonly code: string;
  readonly descending: boolean;
  /** The index table the key is read from; undefined for `_lastUpdated`, a column of the resource. */
  readonly kind?: 'string' | 'token' | 'date' | 'reference' | 'uri' | 'quantity';
  /** The parameter whose index rows hold the key's values (see {@link IndexedParameter.storedAs}). */
  readonly storedAs?: string;
}

/** A parsed `_sort`: its keys, then the resource id as the last tie-breaker. */
export interface SortOrder {
  /** `_sort` as given, the cursor's check that a page link is followed with the sort it was cut with. */
  readonly spec: string;
  readonly keys: readonly SortKey[];
  readonly idDescending: boolean;
}

/** The default order: by id, which is stable and walks the primary key. */
export const idOrder: SortOrder = { spec: '', keys: [], idDescending: false };

/**
 * Parses `_sort=family,-birthdate`: search parameters of the type (string, token, date, number, quantity,
 * reference, uri), `_lastUpdated` and `_id`, each ascending or `-` descending. Keys after `_id` cannot matter and
 * are refused; anything unknown is refused naming it.
 */
export function parseSort(type: ResourceType, value: string): SortOrder {
  const { indexed, unsupported } = parametersOf(type);
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  const hint = `sort by _id, _lastUpdated or a search parameter of ${type}, comma-separated, '-' for descending`;
  const items = value.split(',');
  for (const [i, item] of items.entries()) {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    if (code === '') throw new InvalidSearchError('_sort', `has an empty key in '${value}'`, hint);
    if (seen.has(code)) throw new InvalidSearchError('_sort', `sorts by '${code}' twice`, 'name each key once');
    seen.add(code);
    if (code === '_id') {
      if (i !== items.length - 1)
        throw new InvalidSearchError('_sort', `keys after '_id' would never apply in '${value}'`, 'end with _id');
      return { spec: value, keys, idDescending: descending };
    }
    if (code === '_lastUpdated') {
      keys.push({ code, descending });
      continue;
    }
    const parameter = indexed.get(code);
    if (!parameter) {
      throw new InvalidSearchError(
        '_sort',
        code.includes(':') || code.includes('.')
          ? `cannot sort by '${code}': modifiers and chains do not apply to sorting`
          : `cannot sort by '${code}': ${unsupported.get(code) ?? `${type} has no search parameter '${code}'`}`,
        hint,
      );
    }
    const kind = parameter.definition.type === 'number' ? 'quantity' : parameter.definition.type;
    keys.push({ code, descending, kind: kind as NonNullable<SortKey['kind']>, storedAs: parameter.storedAs });
  }
  // Ties are broken by id in the direction of the last key: `-_lastUpdated` then walks one index backwards.
  return { spec: value, keys, idDescending: keys.at(-1)?.descending ?? false };
}

// The value a resource sorts by: the smallest of its values ascending and the largest descending (a date
// range by its start ascending and its end descending), as the specification asks for repeated elements.
const COLUMNS: Record<NonNullable<SortKey['kind']>, { asc: string; desc: string; cast: string }> = {
  string: { asc: 'min(s.folded)', desc: 'max(s.folded)', cast: 'text' },
  token: { asc: 'min(s.code)', desc: 'max(s.code)', cast: 'text' },
  date: { asc: 'min(s.low)', desc: 'max(s.high)', cast: 'timestamptz' },
  reference: { asc: 'min(s.url)', desc: 'max(s.url)', cast: 'text' },
  uri: { asc: 'min(s.value)', desc: 'max(s.value)', cast: 'text' },
  quantity: { asc: 'min(s.value)', desc: 'max(s.value)', cast: 'numeric' },
};

/** The SQL type a key's values have (for casting cursor values back). */
export function sortKeyCast(key: SortKey): string {
  return key.kind ? COLUMNS[key.kind].cast : 'timestamptz';
}

/**
 * The SQL expression of a key for the resource `r` (its `id`, and `last_updated` when the key is `_lastUpdated`):
 * an aggregate over the resource's own rows of the key's table, null when the resource has no value.
 *
 * The resource's rows are read in a subquery that `offset 0` keeps whole, so the parameter's condition is applied
 * to them and cannot reach the scan: the only index that scan can use well is the owner index, led by the
 * resource's id, and the work stays a few rows per resource whatever the planner's statistics say. With the
 * condition inside, a planner without statistics (a PGlite database right after a bulk load) walked the whole
 * parameter's lookup index for every resource, which grows with the square of the matches.
 */
export function sortKeyExpression(key: SortKey, typeParam: string, sql: SqlParams): string {
  if (!key.kind) return 'r.last_updated';
  const column = COLUMNS[key.kind];
  return `(select ${key.descending ? column.desc : column.asc}
    from (select * from mekong_search_${key.kind} o where o.resource_type = ${typeParam} and o.id = r.id offset 0) s
    where s.param = ${sql.add(key.storedAs ?? key.code)})`;
}

/**
 * `order by` over `alias.k0, alias.k1, ...` and `alias.id`. Resources without a value sort last either way;
 * `_lastUpdated` always has one, and is left without `nulls last` so an index on it can give the order.
 */
export function orderBy(order: SortOrder, alias: string): string {
  return [
    ...order.keys.map((key, i) => `${alias}.k${i}${key.descending ? ' desc' : ''}${key.kind ? ' nulls last' : ''}`),
    `${alias}.id${order.idDescending ? ' desc' : ''}`,
  ].join(', ');
}

/**
 * The condition that a row of `alias` comes strictly after the cursor's row in `order`: the first key that
 * differs decides, a missing value (null) sorting after every value.
 */
export function afterCursor(order: SortOrder, cursor: Cursor, sql: SqlParams, alias: string): string {
  const id = `${alias}.id ${order.idDescending ? '<' : '>'} ${sql.add(cursor.id)}`;
  return order.keys.reduceRight((after, key, i) => {
    const column = `${alias}.k${i}`;
    const value = cursor.values[i];
    if (value === null || value === undefined) return `(${column} is null and ${after})`;
    const v = `${sql.add(value)}::${sortKeyCast(key)}`;
    const nulls = key.kind ? ` or ${column} is null` : '';
    return `(${column} ${key.descending ? '<' : '>'} ${v}${nulls} or (${column} = ${v} and ${after}))`;
  }, id);
}

/** Where a page ended: its last row's sort key values (as text, null when missing) and id. */
export interface Cursor {
  readonly values: readonly (string | null)[];
  readonly id: string;
}
