import type { AnyResource } from '@mekong/fhir';
import { foldText } from '@mekong/fhir';
import { InvalidResourceError } from '../errors.js';
import { type DateRange, dateRange } from './date-range.js';
import { indexedText, indexedTextOrNull } from './indexed-text.js';
import { parametersOf } from './search-parameters.js';

/**
 * The most values one resource may give the search indexes, all parameters together (one identifier, one name
 * part, one date is one value). Writing them costs time in the database, inside the write's transaction: a
 * resource with more is refused, naming the element, rather than holding the database for seconds (200,000
 * identifiers took 7 s on PostgreSQL and 17 s on PGlite).
 */
export const MAX_INDEX_VALUES_PER_RESOURCE = 20_000;

/**
 * The rows a resource contributes to the search indexes, as columns of parallel arrays. Text columns that are
 * indexed hold the leading part of their value ({@link indexedText}); `string.exact` and `reference.url` are
 * not indexed and hold the whole value.
 */
export interface IndexEntries {
  readonly token: { param: string[]; system: (string | null)[]; code: string[] };
  readonly string: { param: string[]; folded: string[]; exact: string[] };
  readonly date: { param: string[]; low: string[]; high: string[] };
  readonly reference: { param: string[]; targetType: (string | null)[]; targetId: (string | null)[]; url: string[] };
  readonly uri: { param: string[]; value: string[] };
  /** Quantities and numbers; numbers have no system or code. */
  readonly quantity: { param: string[]; value: string[]; system: (string | null)[]; code: (string | null)[] };
}

const STRING_PARTS = [
  'text',
  'family',
  'given',
  'prefix',
  'suffix',
  'line',
  'city',
  'district',
  'state',
  'postalCode',
  'country',
];
const REFERENCE = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : ms > 0 ? 'infinity' : '-infinity');

/** Computes the index rows of a resource from the specification's search parameters. */
export function indexEntries(resource: AnyResource): IndexEntries {
  const entries: IndexEntries = {
    token: { param: [], system: [], code: [] },
    string: { param: [], folded: [], exact: [] },
    date: { param: [], low: [], high: [] },
    reference: { param: [], targetType: [], targetId: [], url: [] },
    uri: { param: [], value: [] },
    quantity: { param: [], value: [], system: [], code: [] },
  };
  for (const [code, { definition, extract, storedAs }] of parametersOf(resource.resourceType).indexed) {
    if (storedAs !== code) continue; // its values are in the rows of the parameter it shares them with
    for (const node of extract(resource)) {
      switch (definition.type) {
        case 'token':
          for (const [system, value] of tokens(node)) {
            entries.token.param.push(code);
            entries.token.system.push(indexedTextOrNull(system));
            entries.token.code.push(indexedText(value));
          }
          break;
        case 'string':
          for (const text of strings(node)) {
            entries.string.param.push(code);
            entries.string.folded.push(indexedText(foldText(text)));
            entries.string.exact.push(text);
          }
          break;
        case 'date':
          for (const range of dates(node)) {
            entries.date.param.push(code);
            entries.date.low.push(iso(range.low));
            entries.date.high.push(iso(range.high));
          }
          break;
        case 'reference': {
          const reference =
            typeof node === 'object' && node !== null ? (node as { reference?: unknown }).reference : node;
          if (typeof reference !== 'string') break;
          const match = REFERENCE.exec(reference);
          entries.reference.param.push(code);
          entries.reference.targetType.push(match ? indexedText(match[1] as string) : null);
          entries.reference.targetId.push(match ? (match[2] as string) : null);
          entries.reference.url.push(reference);
          break;
        }
        case 'quantity':
        case 'number':
          for (const [value, system, unit] of quantities(node)) {
            entries.quantity.param.push(code);
            entries.quantity.value.push(value);
            entries.quantity.system.push(indexedTextOrNull(system));
            entries.quantity.code.push(indexedTextOrNull(unit));
          }
          break;
        case 'uri':
          if (typeof node === 'string') {
            entries.uri.param.push(code);
            entries.uri.value.push(indexedText(node));
          }
          break;
      }
      // Checked as the rows grow: a resource far over the limit is refused before all its rows are made.
      if (rowCount(entries) > MAX_INDEX_VALUES_PER_RESOURCE) {
        tooManyValues(resource.resourceType, code, definition.expression);
      }
    }
  }
  return entries;
}

function rowCount(entries: IndexEntries): number {
  return (
    entries.token.param.length +
    entries.string.param.length +
    entries.date.param.length +
    entries.reference.param.length +
    entries.uri.param.length +
    entries.quantity.param.length
  );
}

function tooManyValues(resourceType: string, code: string, expression: string): never {
  // The element is the parameter's expression on this type (`Patient.identifier`), without the other types'.
  const element = expression
    .split('|')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${resourceType}.`) || part.startsWith(`(${resourceType}.`))
    .join(' | ');
  throw new InvalidResourceError([
    {
      path: element || resourceType,
      message: `gives the search indexes more than ${MAX_INDEX_VALUES_PER_RESOURCE.toLocaleString('en')} values (search parameter '${code}', with the resource's other parameters): split the resource into several, each with fewer`,
    },
  ]);
}

/**
 * [value, system, code] of a quantity- or number-typed node: a number, a Quantity (code, else unit), or Money
 * (its currency, as an ISO 4217 code). Values stay decimal strings: no binary rounding on the way to SQL.
 */
function quantities(node: unknown): [string, string | null, string | null][] {
  if (typeof node === 'number') return [[String(node), null, null]];
  if (node === null || typeof node !== 'object') return [];
  const n = node as { value?: unknown; system?: unknown; code?: unknown; unit?: unknown; currency?: unknown };
  if (typeof n.value !== 'number') return [];
  if (typeof n.currency === 'string') return [[String(n.value), 'urn:iso:std:iso:4217', n.currency]];
  const code = typeof n.code === 'string' ? n.code : typeof n.unit === 'string' ? n.unit : null;
  return [[String(n.value), typeof n.system === 'string' ? n.system : null, code]];
}

/** [system, code] pairs of a token-typed node: code, boolean, Coding, CodeableConcept, Identifier, ContactPoint. */
function tokens(node: unknown): [string | null, string][] {
  if (typeof node === 'string') return [[null, node]];
  if (typeof node === 'boolean') return [[null, String(node)]];
  if (node === null || typeof node !== 'object') return [];
  const n = node as { coding?: unknown[]; system?: unknown; code?: unknown; value?: unknown };
  if (Array.isArray(n.coding)) return n.coding.flatMap(tokens);
  const value = typeof n.code === 'string' ? n.code : typeof n.value === 'string' ? n.value : undefined;
  return value === undefined ? [] : [[typeof n.system === 'string' ? n.system : null, value]];
}

/** The texts of a string-typed node: a string, or the parts of a HumanName or Address. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (node === null || typeof node !== 'object') return [];
  return STRING_PARTS.flatMap((part) => {
    const value = (node as Record<string, unknown>)[part];
    return Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : typeof value === 'string'
        ? [value]
        : [];
  });
}

/** The ranges of a date-typed node: a date, dateTime or instant, a Period, or a Timing's events. */
function dates(node: unknown): DateRange[] {
  if (typeof node === 'string') {
    const range = dateRange(node);
    return range ? [range] : [];
  }
  if (node === null || typeof node !== 'object') return [];
  const n = node as { start?: string; end?: string; event?: string[] };
  if (Array.isArray(n.event)) return n.event.flatMap((e) => dates(e));
  if (n.start === undefined && n.end === undefined) return [];
  return [
    {
      low: n.start ? (dateRange(n.start)?.low ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY,
      high: n.end ? (dateRange(n.end)?.high ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY,
    },
  ];
}
