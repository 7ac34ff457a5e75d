import { createHash } from 'node:crypto';
import { foldText } from '@mekong/fhir';
import { dateRange } from '../search/date-range.js';
import { parametersOf } from '../search/search-parameters.js';
import { splitValues } from '../search/sql-params.js';

// Two conditional creates racing each other must meet on a lock whenever what one creates could match the
// other's criteria, or both find nothing and both create. A lock on the criteria's text missed criteria written
// differently that mean the same (`identifier=sys|123` and `identifier=123`, an extra `_count`, the parameters
// in another order, `family=Nguyen` and `family=nguyễn`). So the lock is on what the criteria ask, coarsened until
// every spelling of the same question lands on the same key: one key per (type, parameter, value) with the
// token's system, the reference's type and base, date and number prefixes, case and diacritics left out.
// Coarser keys only make unrelated writes wait for each other a moment; they never let a duplicate through.
//
// The guarantee covers equivalent criteria, and any two that share a parameter and a value. Criteria over
// different parameters entirely (an identifier, or family and birthdate) share no key: no lock derived from
// the criteria can know that they select the same patient.

// They shape the answer, not which resources match.
const RESULT_PARAMETERS = new Set([
  '_count',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_contained',
  '_containedType',
  '_format',
  '_pretty',
  '_cursor',
]);

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[-\d])/;

/** Whether a criteria parameter selects resources (not `_count`, `_sort`, `_include` and the like). */
export function selectsResources(name: string): boolean {
  return !RESULT_PARAMETERS.has(name.split(':')[0] as string);
}

/**
 * The advisory lock keys of conditional-write criteria on `type`, sorted: every transaction takes them in this
 * order, so two taking overlapping sets never wait for each other in a circle. Empty when no parameter selects
 * resources.
 */
export function criteriaLockKeys(type: string, criteria: readonly (readonly [string, string])[]): bigint[] {
  const keys = new Set<string>();
  for (const [name, value] of criteria) {
    if (!selectsResources(name)) continue;
    const parameter = parameterKey(type, name);
    for (const one of splitValues(value)) keys.add(`${type}\u0000${parameter.code}\u0000${parameter.fold(one)}`);
  }
  return [...keys].map(lockKey).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The parameter's key (modifiers left out; two codes the store answers alike are one) and its value's folding. */
function parameterKey(type: string, name: string): { code: string; fold: (value: string) => string } {
  const path = name.split('.').map((part) => part.split(':')[0] as string);
  const code = path.join('.');
  if (path.length > 1) return { code, fold: anyValue }; // a chain: the value is the target's, folded as any
  if (code === '_id') return { code, fold: (v) => v.trim() };
  if (code === '_lastUpdated') return { code, fold: date };
  const parameter = parametersOf(type).indexed.get(code);
  if (!parameter) return { code, fold: anyValue }; // unknown: the search refuses it under the lock
  const fold = FOLDS[parameter.definition.type] ?? anyValue;
  return { code: parameter.storedAs, fold };
}

// `system|code` and `code`, `Type/id` and `id`, `5.40` and `ge5.4` fold alike: coarser than the search is safe.
const token = (value: string) => value.slice(value.lastIndexOf('|') + 1).trim();
const reference = (value: string) => {
  const parts = value.trim().split('/');
  const history = parts.indexOf('_history');
  return (history > 0 ? parts[history - 1] : parts.at(-1)) ?? '';
};
const date = (value: string) => {
  const text = value.trim().replace(PREFIX, '');
  const range = dateRange(text);
  return range ? String(range.low) : text;
};
const number = (value: string) => {
  const [amount = ''] = value.trim().replace(PREFIX, '').split('|');
  return Number.isFinite(Number(amount)) ? String(Number(amount)) : amount;
};
const anyValue = (value: string) => foldText(token(value));

const FOLDS: Record<string, (value: string) => string> = {
  token: (value) => foldText(token(value)),
  string: foldText,
  reference,
  date,
  quantity: number,
  number,
  uri: (value) => value.trim(),
};

// A 64-bit key from the text: collisions only serialize unrelated writes.
function lockKey(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}
