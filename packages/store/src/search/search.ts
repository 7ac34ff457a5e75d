import { type AnyResource, type Bundle, type ResourceType, resourceTypes } from '@mekong/fhir';
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

/** Limits an access policy puts on a search. */
export interface SearchOptions {
  /** `Patient/id` references: only resources about these patients match or are included. */
  readonly compartment?: readonly string[];
  /** Whether resources of the type may be included (`_include`, `_revinclude`); others are left out. */
  readonly mayInclude?: (type: ResourceType) => boolean;
  /** Called for the target type of each chained parameter; throws to refuse the search. */
  readonly checkChain?: (type: ResourceType) => void;
}

const MAX_COUNT = 1_000;
const DEFAULT_COUNT = 20;
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
type Prefix = (typeof PREFIXES)[number];

/** Collects the parameters of a SQL statement as it is written. */
export class Sql {
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

/** The name-value pairs of a search query, repeated names kept. */
export function queryEntries(query: SearchQuery): [string, string][] {
  if (query instanceof URLSearchParams) return [...query.entries()];
  return Object.entries(query).flatMap(([name, value]) =>
    (typeof value === 'string' ? [value] : value).map((v) => [name, v] as [string, string]),
  );
}

/**
 * FHIR search over the store's indexes: token, string (case- and accent-insensitive), date with prefixes,
 * reference, uri, quantity and number parameters of the specification, `_id` and `_lastUpdated`, with `_count`, `_sort`
 * (`_id`, `_lastUpdated`), `_total` and stable cursor paging. Parameters it does not know or support yet are
 * refused with a 400, never ignored.
 */
export class ResourceSearch {
  constructor(private readonly db: SqlClient) {}

  /** Runs the search; `options` narrows it to what an access policy lets the caller see. */
  async search(type: ResourceType, query: SearchQuery, options: SearchOptions = {}): Promise<Bundle> {
    const sql = new Sql();
    const where: string[] = [`r.resource_type = ${sql.add(type)}`, 'not r.deleted'];
    // In SQL, not after: paging and totals count only what the caller may see.
    if (options.compartment) where.push(`r.patient = any(${sql.add(options.compartment)}::text[])`);
    let count = DEFAULT_COUNT;
    let sort: 'id' | 'lastUpdated' | '-lastUpdated' = 'id';
    let cursor: [string, string] | undefined;
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
      } else if (name === '_include' || name === '_revinclude') {
        includes.push(parseInclude(type, name, value));
      } else if (name.startsWith('_include:') || name.startsWith('_revinclude:')) {
        throw new InvalidSearchError(
          name,
          'iterated includes are not supported yet',
          `use ${name.split(':')[0]} without :iterate`,
        );
      } else {
        where.push(this.condition(type, name, value, sql, options));
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
        [include.source, include.code, include.reverse ? type : include.target, ids, compartment ?? null],
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
    name: string,
    link: string,
    rest: string,
    value: string,
    sql: Sql,
    options: SearchOptions,
  ): string {
    if (rest.includes('.'))
      throw new InvalidSearchError(name, 'only one level of chaining is supported', 'chain one reference at a time');
    const { code, target } = referenceTarget(type, name, link);
    options.checkChain?.(target);
    const inner = this.condition(target, rest, value, sql, options);
    return `exists (select 1 from mekong_search_reference chain
      where chain.resource_type = r.resource_type and chain.id = r.id and chain.param = ${sql.add(code)}
        and chain.target_type = ${sql.add(target)}
        and exists (select 1 from mekong_resource r
          where r.resource_type = chain.target_type and r.id = chain.target_id and not r.deleted and ${inner}))`;
  }

  private condition(type: ResourceType, name: string, value: string, sql: Sql, options: SearchOptions): string {
    const dot = name.indexOf('.');
    if (dot !== -1) return this.chained(type, name, name.slice(0, dot), name.slice(dot + 1), value, sql, options);
    const [code, modifier] = name.split(':') as [string, string | undefined];
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
    const kind = parameter.definition.type === 'number' ? 'quantity' : parameter.definition.type;
    const table = `mekong_search_${kind}`;
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
        case 'quantity':
        case 'number':
          if (modifier)
            throw new InvalidSearchError(name, `modifier '${modifier}' is not supported on ${kind}`, 'use a prefix');
          return quantityCondition(name, v, parameter.definition.type === 'quantity', sql);
        default:
          if (modifier && modifier !== 'below')
            throw new InvalidSearchError(name, `modifier '${modifier}' is not supported`, 'use :below or none');
          return modifier === 'below' ? `s.value like ${sql.add(`${likeEscape(v)}%`)}` : `s.value = ${sql.add(v)}`;
      }
    });
    return `${negate ? 'not ' : ''}exists (select 1 from ${table} s where ${owner} and (${ors.join(' or ')}))`;
  }
}

/** Resolves a reference parameter of a type and the type it points to (from `:Type` or its only target). */
function referenceTarget(type: ResourceType, name: string, link: string): { code: string; target: ResourceType } {
  const [code, modifier] = link.split(':') as [string, string | undefined];
  const parameter = parametersOf(type).indexed.get(code);
  if (parameter?.definition.type !== 'reference') {
    throw new InvalidSearchError(
      name,
      `'${code}' is not a reference parameter of ${type}`,
      'chain and include through reference parameters',
    );
  }
  const targets = parameter.targets;
  const target = modifier ?? (targets.length === 1 ? targets[0] : undefined);
  if (!target) {
    throw new InvalidSearchError(
      name,
      `'${code}' may point to ${targets.join(', ')}`,
      `name the type: ${code}:${targets[0] ?? 'Patient'}`,
    );
  }
  if (targets.length > 0 && !targets.includes(target)) {
    throw new InvalidSearchError(
      name,
      `'${code}' of ${type} does not point to ${target}`,
      `use one of ${targets.join(', ')}`,
    );
  }
  return { code, target: target as ResourceType };
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

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * `[prefix]number[|system|code]`. Equality follows the precision written: 5.4 matches [5.35, 5.45). `ap` is
 * within 10%. Numbers stay decimal strings into SQL's numeric: no binary rounding.
 */
function quantityCondition(name: string, value: string, withUnits: boolean, sql: Sql): string {
  const prefixed = (PREFIXES as readonly string[]).includes(value.slice(0, 2));
  const prefix = prefixed ? (value.slice(0, 2) as Prefix) : 'eq';
  const [number = '', system, code, ...extra] = (prefixed ? value.slice(2) : value).split('|');
  if (!NUMBER.test(number) || extra.length > 0 || (!withUnits && system !== undefined)) {
    throw new InvalidSearchError(
      name,
      `'${value}' is not a ${withUnits ? 'quantity' : 'number'}`,
      withUnits
        ? 'use [prefix]number[|system|code], for example gt5.4|http://unitsofmeasure.org|mmol/L'
        : 'use [prefix]number, for example ge0.8',
    );
  }
  const decimals = number.split('.')[1]?.length ?? 0;
  const v = `${sql.add(number)}::numeric`;
  const half = () => `${sql.add(`0.${'0'.repeat(decimals)}5`)}::numeric`;
  const comparison = {
    eq: () => `(s.value >= ${v} - ${half()} and s.value < ${v} + ${half()})`,
    ne: () => `not (s.value >= ${v} - ${half()} and s.value < ${v} + ${half()})`,
    gt: () => `s.value > ${v}`,
    lt: () => `s.value < ${v}`,
    ge: () => `s.value >= ${v}`,
    le: () => `s.value <= ${v}`,
    sa: () => `s.value > ${v}`,
    eb: () => `s.value < ${v}`,
    ap: () => `(s.value >= ${v} - abs(${v}) * 0.1 and s.value <= ${v} + abs(${v}) * 0.1)`,
  }[prefix]();
  const units = [...(system ? [`s.system = ${sql.add(system)}`] : []), ...(code ? [`s.code = ${sql.add(code)}`] : [])];
  return `(${[comparison, ...units].join(' and ')})`;
}

/** A date condition on columns `low` and `high` (the same for an instant), for a value with an optional prefix. */
export function dateCondition(name: string, value: string, low: string, high: string, sql: Sql): string {
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

interface Include {
  readonly reverse: boolean;
  /** The resource type whose reference parameter is followed. */
  readonly source: ResourceType;
  readonly code: string;
  readonly target: ResourceType;
}

/** `_include=Observation:subject[:Patient]` on Observations; `_revinclude=Observation:subject` on Patients. */
function parseInclude(type: ResourceType, name: string, value: string): Include {
  const [source, code, target] = value.split(':') as [string, string | undefined, string | undefined];
  const reverse = name === '_revinclude';
  if (!code || !(resourceTypes as readonly string[]).includes(source)) {
    throw new InvalidSearchError(
      name,
      `'${value}' must be SourceType:parameter[:TargetType]`,
      `for example ${reverse ? 'Observation:subject' : `${type}:subject`}`,
    );
  }
  if (!reverse && source !== type) {
    throw new InvalidSearchError(
      name,
      `includes from ${source}, but the search is for ${type}`,
      `use ${type}:<parameter>`,
    );
  }
  const resolved = referenceTarget(
    source as ResourceType,
    name,
    target ? `${code}:${target}` : reverse ? `${code}:${type}` : code,
  );
  if (reverse && resolved.target !== type) {
    throw new InvalidSearchError(
      name,
      `${source}:${code} does not point to ${type}`,
      `revinclude a reference to ${type}`,
    );
  }
  return { reverse, source: source as ResourceType, code: resolved.code, target: resolved.target };
}

/** A paging cursor: an opaque string. */
export function encodeCursor(key: [string, string]): string {
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
