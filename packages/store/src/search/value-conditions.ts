import { foldText } from '@mekong/fhir';
import { dateRange } from './date-range.js';
import { indexedText } from './indexed-text.js';
import { InvalidSearchError } from './invalid-search-error.js';
import { likeEscape, type SqlParams } from './sql-params.js';

// The SQL conditions on one index row `s` (or a resource column) that one search value stands for. Index rows
// hold the leading INDEXED_TEXT_BYTES of text values: each value searched for is cut the same way first.

const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
type Prefix = (typeof PREFIXES)[number];

/**
 * `[system|]code`, `system|` or `|code` on a token row. A system or code longer than
 * INDEXED_TEXT_BYTES (1,000) matches by its leading part.
 */
export function tokenCondition(name: string, value: string, modifier: string | undefined, sql: SqlParams): string {
  if (modifier)
    throw new InvalidSearchError(
      name,
      `modifier '${modifier}' is not supported on tokens yet`,
      'use :not, :missing or none',
    );
  const bar = value.indexOf('|');
  if (bar === -1) return `s.code = ${sql.add(indexedText(value))}`;
  const system = indexedText(value.slice(0, bar));
  const code = indexedText(value.slice(bar + 1));
  if (system === '') return `(s.system is null and s.code = ${sql.add(code)})`;
  if (code === '') return `s.system = ${sql.add(system)}`;
  return `(s.system = ${sql.add(system)} and s.code = ${sql.add(code)})`;
}

/**
 * A prefix of the folded text, or `:exact` (as written, the whole text) or `:contains` (folded, anywhere in
 * the leading INDEXED_TEXT_BYTES (1,000) the index keeps; a longer value searched for is cut to as many).
 */
export function stringCondition(name: string, value: string, modifier: string | undefined, sql: SqlParams): string {
  if (modifier === 'exact') return `s.exact = ${sql.add(value)}`;
  const folded = likeEscape(indexedText(foldText(value)));
  if (modifier === 'contains') return `s.folded like ${sql.add(`%${folded}%`)}`;
  if (modifier)
    throw new InvalidSearchError(
      name,
      `modifier '${modifier}' is not supported on strings`,
      'use :exact, :contains or none',
    );
  return `s.folded like ${sql.add(`${folded}%`)}`;
}

/** `Type/id`, a bare id (optionally typed by a `:Type` modifier), or an absolute URL (compared whole). */
export function referenceCondition(name: string, value: string, modifier: string | undefined, sql: SqlParams): string {
  if (modifier && !/^[A-Z][A-Za-z]+$/.test(modifier)) {
    throw new InvalidSearchError(
      name,
      `modifier '${modifier}' is not supported on references`,
      'use :Type (subject:Patient=id)',
    );
  }
  const typed = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (typed) {
    return `(s.target_type = ${sql.add(indexedText(typed[1] as string))} and s.target_id = ${sql.add(typed[2])})`;
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(value)) {
    return modifier
      ? `(s.target_type = ${sql.add(indexedText(modifier))} and s.target_id = ${sql.add(value)})`
      : `s.target_id = ${sql.add(value)}`;
  }
  return `s.url = ${sql.add(value)}`;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * `[prefix]number[|system|code]`. Equality follows the precision written: 5.4 matches [5.35, 5.45). `ap` is
 * within 10%. Numbers stay decimal strings into SQL's numeric: no binary rounding. A system or code longer
 * than INDEXED_TEXT_BYTES (1,000) matches by its leading part.
 */
export function quantityCondition(name: string, value: string, withUnits: boolean, sql: SqlParams): string {
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
  const units = [
    ...(system ? [`s.system = ${sql.add(indexedText(system))}`] : []),
    ...(code ? [`s.code = ${sql.add(indexedText(code))}`] : []),
  ];
  return `(${[comparison, ...units].join(' and ')})`;
}

/**
 * A date with an optional prefix against a range `[low, high)` of index rows, or an instant column (`low` and
 * `high` the same expression).
 */
export function dateCondition(name: string, value: string, low: string, high: string, sql: SqlParams): string {
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
