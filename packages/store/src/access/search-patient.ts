import type { ResourceType } from '@mekong/fhir';
import { queryEntries, type SearchQuery } from '../search/search.js';

const PATIENT_PARAMETERS = ['patient', 'subject', 'beneficiary', 'for'];
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The one patient a search names (`patient=`, `subject=Patient/…`, `subject:Patient=`, or `_id` of a Patient
 * search), for the audit trail; undefined when it names none, several, or a reference it cannot tell.
 */
export function namedPatient(type: ResourceType, query: SearchQuery): string | undefined {
  const named = new Set<string>();
  for (const [name, value] of queryEntries(query)) {
    const [code = '', modifier] = name.split(':');
    const isId = type === 'Patient' && code === '_id' && !modifier;
    if (!isId && !(PATIENT_PARAMETERS.includes(code) && !name.includes('.'))) continue;
    for (const item of value.split(',')) {
      if (item.startsWith('Patient/') && ID.test(item.slice(8))) named.add(item);
      else if (ID.test(item) && (isId || code === 'patient' || modifier === 'Patient')) named.add(`Patient/${item}`);
      else return undefined;
    }
  }
  return named.size === 1 ? [...named][0] : undefined;
}
