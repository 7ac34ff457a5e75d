import {
  type AnyResource,
  type Bundle,
  type ResourceType,
  type SearchParameterDefinition,
  searchParameters,
} from '@mekong/fhir';
import type { SqlClient } from '../sql/sql-client.js';
import { cursorScope, decodeCursor, encodeCursor } from './cursor.js';
import { cursorKey } from './cursor-key.js';
import { indexedText } from './indexed-text.js';
import { InvalidSearchError, SearchTooCostlyError } from './invalid-search-error.js';
import { type Include, parseInclude, referenceTarget } from './references.js';
import { parametersOf } from './search-parameters.js';
import { afterCursor, type Cursor, idOrder, orderBy, parseSort, type SortOrder, sortKeyExpression } from './sort.js';
import { likeEscape, SqlParams, splitValues } from './sql-params.js';
import {
  dateCondition,
  quantityCondition,
  referenceCondition,
  stringCondition,
  tokenCondition,
} from './value-conditions.js';

export { InvalidSearchError, SearchTooCostlyError } from './invalid-search-error.js';

/** Search input: a query string's parameters (repeated names are ANDed, comma-separated values ORed). */
export type SearchQuery = URLSearchParams | Record<string, string | readonly string[]>;

/** Limits an access policy puts on a search. */
export interface SearchOptions {
  /** `Patient/id` references: only resources about these patients match, are included or are reached by a chain. */
  readonly compartment?: readonly string[];
  /** Whether resources of the type may be included (`_include`, `_revinclude`); others are left out. */
  readonly mayInclude?: (type: ResourceType) => boolean;
  /** Called for the target type of each chained parameter; throws to refuse the search. */
  readonly checkChain?: (type: ResourceType) => void;
  /**
   * Called for each search parameter the search matches, chains, includes through or sorts by, with the type it
   * is a parameter of and the query parameter that names it (`_sort` for a sort key); throws to refuse the
   * search (a parameter over elements the caller may not see).
   */
  readonly checkParameter?: (type: ResourceType, parameter: SearchParameterDefinition, asked: string) => void;
  /** Who the search is for: its page cursors are followed for this caller only. */
  readonly caller?: string;
}

/** Options of {@link ResourceSearch}: the bounds of the work one search may do. */
export interface ResourceSearchOptions {
  /**
   * The most matches a search sorted by a search parameter may sort (default {@link DEFAULT_MAX_SORTED_MATCHES}):
   * every match's sort key is computed before a page can be cut, so the work grows with the matches. A search
   * with more is refused with a {@link SearchTooCostlyError} before any key is computed beyond this number. Sorting
   * by `_id` or `_lastUpdated` alone walks an index and is not limited.
   */
  readonly maxSortedMatches?: number;
}

/**
 * The default of {@link ResourceSearchOptions.maxSortedMatches}: about half a second of work on PGlite, which
 * answers nothing else meanwhile (bench/README.md, sorted search).
 */
export const DEFAULT_MAX_SORTED_MATCHES = 20_000;

const MAX_COUNT = 1_000;
// A search's cursor checks its own _sort; the page size and the total may change from page to page.
const UNBOUND = new Set(['_count', '_total', '_sort']);
// The definition of `_lastUpdated` (over `meta.lastUpdated`), for the policy's check of what a search reads.
const LAST_UPDATED = searchParameters.Resource?.find((p) => p.code === '_lastUpdated');
const DEFAULT_COUNT = 20;

/**
 * The name-value pairs of a search query, repeated names kept. A NUL character (`%00`) is refused with a 400:
 * no FHIR value holds one, and the database cannot compare text with it.
 */
export function queryEntries(query: SearchQuery): [string, string][] {
  const entries =
    query instanceof URLSearchParams
      ? [...query.entries()]
      : Object.entries(query).flatMap(([name, value]) =>
          (typeof value === 'string' ? [value] : value).map((v) => [name, v] as [string, string]),
        );
  for (const [name, value] of entries) {
    if (name.includes('\u0000') || value.includes('\u0000')) {
      throw new InvalidSearchError(
        name.replaceAll('\u0000', '%00'),
        'contains a NUL character (%00), which no FHIR value holds',
        'remove it from the query',
      );
    }
  }
  return entries;
}

/** What one search parameter asks of a candidate resource `r`. */
interface Condition {
  /** A boolean SQL expression over `r.id`, and over the resource's columns when `row` is set. */
  readonly where: string;
  /** For a positive match in one index table: the query of the matching ids, which a search can start from. */
  readonly ids?: string;
  /** Which condition to start from when several could: the lowest (the likeliest to be selective). */
  readonly rank?: number;
  /** Reads the resource row's columns (`r.last_updated`), not only its id. */
  readonly row?: boolean;
}

// Tokens, references and uris usually name few resources; dates and quantities usually span many.
const RANK = { compartment: 0, token: 0, reference: 0, uri: 0, string: 1, quantity: 2, date: 2, chain: 3 } as const;

/**
 * FHIR search over the store's indexes: token, string (case- and accent-insensitive), date with prefixes,
 * reference, uri, quantity and number parameters of the specification, `_id` and `_lastUpdated`, one level of
 * chaining, `_include` and `_revinclude`, with `_count`, `_sort` (by search parameters, `_id` and `_lastUpdated`),
 * `_total` and stable cursor paging. Parameters it does not know or support yet are refused with a 400, never
 * ignored.
 *
 * A search with a condition on an index starts from that index's matching ids (index-only), sorts and cuts the
 * page from them, and reads only the page's resources: its cost follows the matches, not the table.
 */
export class ResourceSearch {
  private readonly maxSortedMatches: number;

  constructor(
    private readonly db: SqlClient,
    options: ResourceSearchOptions = {},
  ) {
    this.maxSortedMatches = options.maxSortedMatches ?? DEFAULT_MAX_SORTED_MATCHES;
  }

  /**
   * Runs a search of one resource type; the Bundle's `next` link carries the cursor of the following page.
   * `options` narrows it to what an access policy lets the caller see.
   */
  async search(type: ResourceType, query: SearchQuery, options: SearchOptions = {}): Promise<Bundle> {
    const sql = new SqlParams();
    const t = sql.add(type);
    const conditions: Condition[] = [];
    // In SQL, not after: paging and totals count only what the caller may see.
    if (options.compartment) {
      const ids = `select x.id from mekong_resource x
        where x.resource_type = ${t} and x.patient = any(${sql.add(options.compartment)}::text[]) and not x.deleted`;
      conditions.push({ where: `r.id in (${ids})`, ids, rank: RANK.compartment });
    }
    let count = DEFAULT_COUNT;
    let order: SortOrder = idOrder;
    let cursorValue: string | undefined;
    let total = false;
    const includes: Include[] = [];
    const kept: [string, string][] = [];
    for (const [name, value] of queryEntries(query)) {
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
        if (order !== idOrder) throw new InvalidSearchError(name, 'is given twice', 'give every key in one _sort');
        order = parseSort(type, value);
        // The order would reveal what a hidden element holds, as a search by it would.
        for (const key of order.keys) {
          const definition = key.kind ? parametersOf(type).indexed.get(key.code)?.definition : LAST_UPDATED;
          if (definition) options.checkParameter?.(type, definition, name);
        }
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
        cursorValue = value;
        continue;
      } else if (name === '_include' || name === '_revinclude') {
        const include = parseInclude(type, name, value);
        const definition = parametersOf(include.source).indexed.get(include.code)?.definition;
        if (definition) options.checkParameter?.(include.source, definition, name);
        includes.push(include);
      } else if (name.startsWith('_include:') || name.startsWith('_revinclude:')) {
        throw new InvalidSearchError(
          name,
          'iterated includes are not supported yet',
          `use ${name.split(':')[0]} without :iterate`,
        );
      } else {
        conditions.push(this.condition(type, t, name, value, sql, options));
      }
      kept.push([name, value]);
    }
    const scope = cursorScope(type, kept, options, UNBOUND);
    const cursor: Cursor | undefined =
      cursorValue === undefined ? undefined : decodeCursor(await cursorKey(this.db), scope, order, cursorValue);

    // Start from the most promising index when nothing needs the resource row before the page is cut; the
    // resource table is then read for the page only. Index rows exist only for current, undeleted versions.
    const row = conditions.some((c) => c.row) || order.keys.some((k) => !k.kind);
    const driver = row ? undefined : conditions.filter((c) => c.ids).sort((a, b) => (a.rank ?? 9) - (b.rank ?? 9))[0];
    const filters = conditions.filter((c) => c !== driver).map((c) => c.where);
    const from = (extra: string[]) => {
      const where = driver ? [...filters, ...extra] : [`r.resource_type = ${t}`, 'not r.deleted', ...filters, ...extra];
      return `from ${driver ? `(${driver.ids}) r` : 'mekong_resource r'}${where.length ? ` where ${where.join(' and ')}` : ''}${driver ? ' group by r.id' : ''}`;
    };
    const whereParams = sql.params.length; // the count query shares only these
    // Keys read from the index tables are computed for every candidate before the page can be cut: at most
    // maxSortedMatches of them, counted in the same statement (candidates past the limit are never keyed).
    const bounded = order.keys.some((key) => key.kind);
    const keys = order.keys.map((key, i) => `, ${sortKeyExpression(key, t, sql)} as k${i}`).join('');
    // Without sort keys the page is cut at the level of the index scan, so LIMIT reaches it (a grouped
    // subquery would be planned whole); with keys, the keys of every candidate are needed anyway.
    const page =
      order.keys.length === 0
        ? `select r.id ${from(cursor ? [afterCursor(order, cursor, sql, 'r')] : [])}
           order by ${orderBy(order, 'r')} limit ${sql.add(count + 1)}`
        : `select c.* from (select r.id${keys} ${bounded ? 'from candidates r' : from([])}) c
           ${cursor ? `where ${afterCursor(order, cursor, sql, 'c')}` : ''}
           order by ${orderBy(order, 'c')} limit ${sql.add(count + 1)}`;
    const candidates = bounded
      ? `with candidates as materialized (select r.id${row ? ', r.last_updated' : ''} ${from([])}
           limit ${sql.add(this.maxSortedMatches + 1)})\n`
      : '';
    const { rows } = await this.db.query<{
      id: string;
      content: AnyResource;
      last_updated: string;
      candidates?: number;
      [key: `t${number}`]: string | null;
    }>(
      `${candidates}select c.id${order.keys.map((_, i) => `, c.k${i}::text as t${i}`).join('')}, r.content,
         to_char(r.last_updated at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as last_updated
         ${bounded ? ', (select count(*)::int from candidates) as candidates' : ''}
       from (${page}) c
       join mekong_resource r on r.resource_type = ${t} and r.id = c.id and not r.deleted
       order by ${orderBy(order, 'c')}`,
      sql.params,
    );
    if ((rows[0]?.candidates ?? 0) > this.maxSortedMatches)
      throw new SearchTooCostlyError(type, order.spec, this.maxSortedMatches);
    const more = rows.length > count;
    const matches = rows.slice(0, count);
    const base = new URLSearchParams(kept);
    const link = [{ relation: 'self', url: `${type}?${base}` }];
    const last = matches.at(-1);
    if (more && last) {
      const next = new URLSearchParams(kept);
      const values = order.keys.map((_, i) => last[`t${i}`] ?? null);
      next.set('_cursor', encodeCursor(await cursorKey(this.db), scope, order, { values, id: last.id }));
      link.push({ relation: 'next', url: `${type}?${next}` });
    }
    let totalCount: number | undefined;
    if (total) {
      const counted = await this.db.query<{ n: number }>(
        `select count(*)::int as n from (select r.id ${from([])}) c`,
        sql.params.slice(0, whereParams),
      );
      totalCount = counted.rows[0]?.n;
    }
    const included = await this.included(
      type,
      matches.map((m) => m.id),
      includes.filter((include) => options.mayInclude?.(include.reverse ? include.source : include.target) ?? true),
      options.compartment,
    );
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(totalCount === undefined ? {} : { total: totalCount }),
      link,
      entry: [
        ...matches.map((row) => ({
          fullUrl: `${type}/${row.id}`,
          resource: row.content,
          search: { mode: 'match' as const },
        })),
        ...included.map((resource) => ({
          fullUrl: `${resource.resourceType}/${resource.id}`,
          resource,
          search: { mode: 'include' as const },
        })),
      ],
    };
  }

  /** Resources the matches refer to (`_include`) or that refer to them (`_revinclude`), each once. */
  private async included(
    type: ResourceType,
    ids: readonly string[],
    includes: readonly Include[],
    compartment: readonly string[] | undefined,
  ): Promise<AnyResource[]> {
    if (ids.length === 0 || includes.length === 0) return [];
    const seen = new Set(ids.map((id) => `${type}/${id}`));
    const out: AnyResource[] = [];
    for (const include of includes) {
      const { rows } = await this.db.query<{ content: AnyResource }>(
        include.reverse
          ? `select o.content from mekong_search_reference s
             join mekong_resource o on o.resource_type = s.resource_type and o.id = s.id and not o.deleted
             where s.resource_type = $1 and s.param = $2 and s.target_type = $3 and s.target_id = any($4::text[])
               and ($5::text[] is null or o.patient = any($5::text[]))
             limit ${MAX_COUNT}`
          : `select t.content from mekong_search_reference s
             join mekong_resource t on t.resource_type = s.target_type and t.id = s.target_id and not t.deleted
             where s.resource_type = $1 and s.param = $2 and s.target_type = $3 and s.id = any($4::text[])
               and ($5::text[] is null or t.patient = any($5::text[]))
             limit ${MAX_COUNT}`,
        [
          include.source,
          parametersOf(include.source).indexed.get(include.code)?.storedAs ?? include.code,
          include.reverse ? type : include.target,
          ids,
          compartment ?? null,
        ],
      );
      for (const { content } of rows) {
        const key = `${content.resourceType}/${content.id}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push(content);
        }
      }
    }
    return out;
  }

  /**
   * One level of chaining (`subject:Patient.name=an`): a reference of this resource to a resource of the
   * target type that matches the rest. The inner `r` is the referenced resource.
   */
  private chained(
    type: ResourceType,
    t: string,
    name: string,
    link: string,
    rest: string,
    value: string,
    sql: SqlParams,
    options: SearchOptions,
  ): Condition {
    if (rest.includes('.'))
      throw new InvalidSearchError(name, 'only one level of chaining is supported', 'chain one reference at a time');
    const { code, target } = referenceTarget(type, name, link);
    const parameter = parametersOf(type).indexed.get(code);
    if (parameter) options.checkParameter?.(type, parameter.definition, name);
    options.checkChain?.(target);
    const targetType = sql.add(target);
    const inner = this.condition(target, targetType, rest, value, sql, options, name);
    // A target outside the compartment answers as one that does not exist: its data is not the caller's to test.
    const compartment = options.compartment ? ` and r.patient = any(${sql.add(options.compartment)}::text[])` : '';
    const ids = `select chain.id from mekong_search_reference chain
      where chain.resource_type = ${t} and chain.param = ${sql.add(parameter?.storedAs ?? code)} and chain.target_type = ${targetType}
        and exists (select 1 from mekong_resource r
          where r.resource_type = ${targetType} and r.id = chain.target_id and not r.deleted${compartment} and ${inner.where})`;
    return { where: `r.id in (${ids})`, ids, rank: RANK.chain };
  }

  /** The condition of one query parameter on resources of `type` (whose SQL placeholder is `t`). */
  private condition(
    type: ResourceType,
    t: string,
    name: string,
    value: string,
    sql: SqlParams,
    options: SearchOptions,
    asked = name,
  ): Condition {
    const dot = name.indexOf('.');
    if (dot !== -1) return this.chained(type, t, name, name.slice(0, dot), name.slice(dot + 1), value, sql, options);
    const [code, modifier] = name.split(':') as [string, string | undefined];
    if (code === '_id') {
      if (modifier)
        throw new InvalidSearchError(name, `modifier '${modifier}' is not supported on _id`, 'use _id=id1,id2');
      return { where: `r.id = any(${sql.add(splitValues(value))}::text[])` };
    }
    if (code === '_lastUpdated') {
      if (modifier)
        throw new InvalidSearchError(
          name,
          `modifier '${modifier}' is not supported on _lastUpdated`,
          'use a prefix such as ge2024-01-01',
        );
      if (LAST_UPDATED) options.checkParameter?.(type, LAST_UPDATED, asked);
      const ors = splitValues(value).map((v) => dateCondition(name, v, 'r.last_updated', 'r.last_updated', sql));
      return { where: `(${ors.join(' or ')})`, row: true };
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
    options.checkParameter?.(type, parameter.definition, asked);
    const kind = parameter.definition.type === 'number' ? 'quantity' : parameter.definition.type;
    const table = `mekong_search_${kind}`;
    const param = `s.resource_type = ${t} and s.param = ${sql.add(parameter.storedAs)}`;
    if (modifier === 'missing') {
      if (value !== 'true' && value !== 'false')
        throw new InvalidSearchError(name, `must be true or false, found '${value}'`, 'use :missing=true');
      return {
        where: `${value === 'true' ? 'not ' : ''}exists (select 1 from ${table} s where ${param} and s.id = r.id)`,
      };
    }
    if (modifier === 'not' && parameter.definition.type !== 'token')
      throw new InvalidSearchError(name, `modifier 'not' applies to tokens only`, `use ${code}:missing or a prefix`);
    const ors = splitValues(value).map((v) => {
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
        case 'quantity':
        case 'number':
          if (modifier)
            throw new InvalidSearchError(name, `modifier '${modifier}' is not supported on ${kind}`, 'use a prefix');
          return quantityCondition(name, v, parameter.definition.type === 'quantity', sql);
        default:
          if (modifier && modifier !== 'below')
            throw new InvalidSearchError(name, `modifier '${modifier}' is not supported`, 'use :below or none');
          // Index rows hold the leading part of a uri (INDEXED_TEXT_BYTES): the value is cut the same way.
          return modifier === 'below'
            ? `s.value like ${sql.add(`${likeEscape(indexedText(v))}%`)}`
            : `s.value = ${sql.add(indexedText(v))}`;
      }
    });
    // A resource whose values include none of those asked (or that has no value at all).
    if (modifier === 'not')
      return {
        where: `not exists (select 1 from ${table} s where ${param} and s.id = r.id and (${ors.join(' or ')}))`,
      };
    const ids = `select s.id from ${table} s where ${param} and (${ors.join(' or ')})`;
    return { where: `r.id in (${ids})`, ids, rank: RANK[kind as keyof typeof RANK] };
  }
}
