import type { AnyResource, Bundle, ResourceType } from '@mekong/fhir';
import { StoreError } from '../errors.js';
import type { SqlClient } from '../sql/sql-client.js';
import { dateRange } from './date-range.js';
import { foldText } from './normalize.js';
import { parametersOf } from './search-parameters.js';

/** A search the store cannot run as asked; the message names the parameter. */
export class InvalidSearchError extends StoreError {
  constructor(
    readonly parameter: string,
    message: string,
    hint: string,
  ) {
    super({ code: 'SEARCH_INVALID', status: 400, message: `search parameter '${parameter}': ${message}`, hint });
  }
}

/** Search input: a query string's parameters (repeated names are ANDed, comma-separated values ORed). */
export type SearchQuery = URLSearchParams | Record<string, string | readonly string[]>;

const MAX_COUNT = 1_000;
const DEFAULT_COUNT = 20;
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
type Prefix = (typeof PREFIXES)[number];

class Sql {
  readonly params: unknown[] = [];
  add(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** Splits a parameter value on commas not escaped with a backslash, and unescapes `\,`, `\|`, `\$`, `\\`. */
function splitValues(value: string): string[] {
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

const likeEscape = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

function entriesOf(query: SearchQuery): [string, string][] {
  if (query instanceof URLSearchParams) return [...query.entries()];
  return Object.entries(query).flatMap(([name, value]) =>
    (typeof value === 'string' ? [value] : value).map((v) => [name, v] as [string, string]),
  );
}

/**
 * FHIR search over the store's indexes: token, string (case- and accent-insensitive), date with prefixes,
 * reference and uri parameters of the specification, `_id` and `_lastUpdated`, with `_count`, `_sort`
 * (`_id`, `_lastUpdated`), `_total` and stable cursor paging. Parameters it does not know or support yet are
 * refused with a 400, never ignored.
 */
export class ResourceSearch {
  constructor(private readonly db: SqlClient) {}

  async search(type: ResourceType, query: SearchQuery): Promise<Bundle> {
    const sql = new Sql();
    const where: string[] = [`r.resource_type = ${sql.add(type)}`, 'not r.deleted'];
    let count = DEFAULT_COUNT;
    let sort: 'id' | 'lastUpdated' | '-lastUpdated' = 'id';
    let cursor: [string, string] | undefined;
    let total = false;
    const kept: [string, string][] = [];
    for (const [name, value] of entriesOf(query)) {
      if (name === '_count') {
        count = Number(value);
        if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
          throw new InvalidSearchError(
            name,
            `must be a whole number from 1 to ${MAX_COUNT}, found '${value}'`,
            'page through larger results',
          );
        }
      } else if (name === '_sort') {
        if (value !== '_id' && value !== '_lastUpdated' && value !== '-_lastUpdated') {
          throw new InvalidSearchError(
            name,
            `sorting by '${value}' is not supported yet`,
            'sort by _id, _lastUpdated or -_lastUpdated',
          );
        }
        sort = value === '_id' ? 'id' : value === '_lastUpdated' ? 'lastUpdated' : '-lastUpdated';
      } else if (name === '_total') {
        if (!['none', 'estimate', 'accurate'].includes(value)) {
          throw new InvalidSearchError(
            name,
            `must be none, estimate or accurate, found '${value}'`,
            'use _total=accurate for a count',
          );
        }
        total = value !== 'none';
      } else if (name === '_cursor') {
        cursor = decodeCursor(value);
        continue;
      } else {
        where.push(this.condition(type, name, value, sql));
      }
      kept.push([name, value]);
    }
    const whereParams = sql.params.length; // the cursor and limit come after: the count query shares only these
    const order =
      sort === 'id' ? 'r.id' : sort === 'lastUpdated' ? 'r.last_updated, r.id' : 'r.last_updated desc, r.id desc';
    const page = [...where];
    if (cursor) {
      page.push(
        sort === 'id'
          ? `r.id > ${sql.add(cursor[1])}`
          : sort === 'lastUpdated'
            ? `(r.last_updated, r.id) > (${sql.add(cursor[0])}::timestamptz, ${sql.add(cursor[1])})`
            : `(r.last_updated, r.id) < (${sql.add(cursor[0])}::timestamptz, ${sql.add(cursor[1])})`,
      );
    }
    const { rows } = await this.db.query<{ id: string; content: AnyResource; last_updated: string }>(
      `select r.id, r.content, to_char(r.last_updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as last_updated
       from mekong_resource r where ${page.join(' and ')} order by ${order} limit ${sql.add(count + 1)}`,
      sql.params,
    );
    const more = rows.length > count;
    const matches = rows.slice(0, count);
    const base = new URLSearchParams(kept);
    const link = [{ relation: 'self', url: `${type}?${base}` }];
    const last = matches.at(-1);
    if (more && last) {
      const next = new URLSearchParams(kept);
      next.set('_cursor', encodeCursor([last.last_updated, last.id]));
      link.push({ relation: 'next', url: `${type}?${next}` });
    }
    let totalCount: number | undefined;
    if (total) {
      const counted = await this.db.query<{ n: number }>(
        `select count(*)::int as n from mekong_resource r where ${where.join(' and ')}`,
        sql.params.slice(0, whereParams),
      );
      totalCount = counted.rows[0]?.n;
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(totalCount === undefined ? {} : { total: totalCount }),
      link,
      entry: matches.map((row) => ({ fullUrl: `${type}/${row.id}`, resource: row.content, search: { mode: 'match' } })),
    };
  }

  private condition(type: ResourceType, name: string, value: string, sql: Sql): string {
    const [code, modifier] = name.split(':') as [string, string | undefined];
    if (code.includes('.')) {
      throw new InvalidSearchError(
        name,
        'chained parameters are not supported yet',
        'search the referenced type first, then by reference',
      );
    }
    if (code === '_id') {
      if (modifier)
        throw new InvalidSearchError(name, `modifier '${modifier}' is not supported on _id`, 'use _id=id1,id2');
      return `r.id = any(${sql.add(splitValues(value))}::text[])`;
    }
    if (code === '_lastUpdated') {
      if (modifier)
        throw new InvalidSearchError(
          name,
          `modifier '${modifier}' is not supported on _lastUpdated`,
          'use a prefix such as ge2024-01-01',
        );
      const ors = splitValues(value).map((v) => dateCondition(name, v, 'r.last_updated', 'r.last_updated', sql));
      return `(${ors.join(' or ')})`;
    }
    const { indexed, unsupported } = parametersOf(type);
    const parameter = indexed.get(code);
    if (!parameter) {
      const reason = unsupported.get(code);
      if (reason) throw new InvalidSearchError(name, reason, 'search by another parameter');
      throw new InvalidSearchError(
        name,
        `${type} has no search parameter '${code}'`,
        `known parameters of ${type}: _id, _lastUpdated, ${[...indexed.keys()].sort().join(', ')}`,
      );
    }
    const table = `mekong_search_${parameter.definition.type}`;
    const owner = `s.resource_type = r.resource_type and s.id = r.id and s.param = ${sql.add(code)}`;
    if (modifier === 'missing') {
      if (value !== 'true' && value !== 'false')
        throw new InvalidSearchError(name, `must be true or false, found '${value}'`, 'use :missing=true');
      return `${value === 'true' ? 'not ' : ''}exists (select 1 from ${table} s where ${owner})`;
    }
    const negate = modifier === 'not' && parameter.definition.type === 'token';
    const values = splitValues(value);
    const ors = values.map((v) => {
      switch (parameter.definition.type) {
        case 'token':
          return tokenCondition(name, v, modifier === 'not' ? undefined : modifier, sql);
        case 'string':
          return stringCondition(name, v, modifier, sql);
        case 'date':
          if (modifier)
            throw new InvalidSearchError(name, `modifier '${modifier}' is not supported on dates`, 'use a prefix');
          return dateCondition(name, v, 's.low', 's.high', sql);
        case 'reference':
          return referenceCondition(name, v, modifier, sql);
        default:
          if (modifier && modifier !== 'below')
            throw new InvalidSearchError(name, `modifier '${modifier}' is not supported`, 'use :below or none');
          return modifier === 'below' ? `s.value like ${sql.add(`${likeEscape(v)}%`)}` : `s.value = ${sql.add(v)}`;
      }
    });
    return `${negate ? 'not ' : ''}exists (select 1 from ${table} s where ${owner} and (${ors.join(' or ')}))`;
  }
}

function tokenCondition(name: string, value: string, modifier: string | undefined, sql: Sql): string {
  if (modifier)
    throw new InvalidSearchError(
      name,
      `modifier '${modifier}' is not supported on tokens yet`,
      'use :not, :missing or none',
    );
  const bar = value.indexOf('|');
  if (bar === -1) return `s.code = ${sql.add(value)}`;
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (system === '') return `(s.system is null and s.code = ${sql.add(code)})`;
  if (code === '') return `s.system = ${sql.add(system)}`;
  return `(s.system = ${sql.add(system)} and s.code = ${sql.add(code)})`;
}

function stringCondition(name: string, value: string, modifier: string | undefined, sql: Sql): string {
  if (modifier === 'exact') return `s.exact = ${sql.add(value)}`;
  const folded = likeEscape(foldText(value));
  if (modifier === 'contains') return `s.folded like ${sql.add(`%${folded}%`)}`;
  if (modifier)
    throw new InvalidSearchError(
      name,
      `modifier '${modifier}' is not supported on strings`,
      'use :exact, :contains or none',
    );
  return `s.folded like ${sql.add(`${folded}%`)}`;
}

function referenceCondition(name: string, value: string, modifier: string | undefined, sql: Sql): string {
  if (modifier && !/^[A-Z][A-Za-z]+$/.test(modifier)) {
    throw new InvalidSearchError(
      name,
      `modifier '${modifier}' is not supported on references`,
      'use :Type (subject:Patient=id)',
    );
  }
  const typed = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (typed) return `(s.target_type = ${sql.add(typed[1])} and s.target_id = ${sql.add(typed[2])})`;
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(value)) {
    return modifier
      ? `(s.target_type = ${sql.add(modifier)} and s.target_id = ${sql.add(value)})`
      : `s.target_id = ${sql.add(value)}`;
  }
  return `s.url = ${sql.add(value)}`;
}

function dateCondition(name: string, value: string, low: string, high: string, sql: Sql): string {
  const prefix = (PREFIXES as readonly string[]).includes(value.slice(0, 2)) ? (value.slice(0, 2) as Prefix) : 'eq';
  const date = PREFIXES.includes(value.slice(0, 2) as Prefix) ? value.slice(2) : value;
  const range = dateRange(date);
  if (!range) {
    throw new InvalidSearchError(
      name,
      `'${value}' is not a date`,
      'use an optional prefix (eq, ne, gt, lt, ge, le, sa, eb, ap) and YYYY, YYYY-MM, YYYY-MM-DD or a dateTime',
    );
  }
  // Each bound becomes a parameter only if the condition uses it: an unused parameter has no type.
  let lowParam: string | undefined;
  let highParam: string | undefined;
  const pLow = () => (lowParam ??= `${sql.add(new Date(range.low).toISOString())}::timestamptz`);
  const pHigh = () => (highParam ??= `${sql.add(new Date(range.high).toISOString())}::timestamptz`);
  // A column is one instant (low and high are the same expression); index rows are ranges [low, high).
  const instant = low === high;
  const within = () =>
    instant ? `(${low} >= ${pLow()} and ${low} < ${pHigh()})` : `(${low} >= ${pLow()} and ${high} <= ${pHigh()})`;
  switch (prefix) {
    case 'eq':
      return within();
    case 'ne':
      return `not ${within()}`;
    case 'gt':
      return instant ? `${low} >= ${pHigh()}` : `${high} > ${pHigh()}`;
    case 'lt':
      return `${low} < ${pLow()}`;
    case 'ge':
      return instant ? `${low} >= ${pLow()}` : `${high} > ${pLow()}`;
    case 'le':
      return `${low} < ${pHigh()}`;
    case 'sa':
      return `${low} >= ${pHigh()}`;
    case 'eb':
      return instant ? `${low} < ${pLow()}` : `${high} <= ${pLow()}`;
    case 'ap':
      return instant
        ? `(${low} >= ${pLow()} and ${low} < ${pHigh()})`
        : `(${low} < ${pHigh()} and ${high} > ${pLow()})`;
  }
}

function encodeCursor(key: [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(value: string): [string, string] {
  try {
    const key = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string')) {
      const [updated, id] = key as [string, string];
      if (!Number.isNaN(Date.parse(updated))) return [updated, id];
    }
  } catch {
    // reported below
  }
  throw new InvalidSearchError(
    '_cursor',
    'is not a cursor this server issued',
    "follow the Bundle's next link as it is",
  );
}
