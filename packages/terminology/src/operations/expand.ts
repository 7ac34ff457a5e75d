import { randomUUID } from 'node:crypto';
import type { ValueSet } from '@mekong/fhir';
import type { ClockService } from '@mekong/kernel';
import { defineOperation, type FhirOperation, HttpError } from '@mekong/server';
import { z } from 'zod';
import type { TerminologyService } from '../service/types.js';
import { instanceTarget } from './instance.js';
import { answering, flag, parameterPath, required, text, whole } from './parameters.js';

const input = z.object({
  url: text.optional(),
  valueSetVersion: text.optional(),
  filter: z.string().max(200).optional(),
  offset: whole.optional(),
  count: whole.optional(),
  date: text.optional(),
  includeDesignations: flag.optional(),
  displayLanguage: text.optional(),
});

/** How many codes an expansion returns by default, and at most. */
export interface ExpansionLimits {
  readonly defaultCount: number;
  readonly maxCount: number;
}

/**
 * `ValueSet/$expand` and `ValueSet/{id}/$expand` (FHIR R4): the codes of a value set valid on `date` (default
 * today), those matching `filter` (each word begins a word of the code, display or a designation, with or
 * without diacritics), one page at a time (`offset`, `count`).
 */
export function expandOperation(
  terminology: () => TerminologyService,
  limits: ExpansionLimits,
  clock: ClockService,
): FhirOperation {
  return defineOperation({
    name: '$expand',
    levels: ['type', 'instance'],
    resourceTypes: ['ValueSet'],
    summary: 'The codes of a value set, filtered and paged',
    parameters: input,
    handler({ params, resourceType, id }) {
      const service = terminology();
      const target = instanceTarget(service, resourceType, id);
      const url = required(target?.url ?? params.url, 'url', 'give the value set URL as url');
      const count = params.count ?? limits.defaultCount;
      if (count > limits.maxCount) {
        throw new HttpError({
          status: 400,
          code: 'too-costly',
          message: `count ${count} is more than the ${limits.maxCount} codes an expansion may return`,
          hint: `page with offset and count up to ${limits.maxCount}, or narrow it with filter`,
          expression: [parameterPath('count')],
        });
      }
      const version = target?.version ?? params.valueSetVersion;
      const expansion = answering(() =>
        service.expand({
          valueSet: url,
          ...(version ? { valueSetVersion: version } : {}),
          ...(params.filter ? { filter: params.filter } : {}),
          ...(params.offset !== undefined ? { offset: params.offset } : {}),
          count,
          ...(params.date ? { date: params.date } : {}),
          ...(params.displayLanguage ? { displayLanguage: params.displayLanguage } : {}),
        }),
      );
      const valueSet: ValueSet = {
        resourceType: 'ValueSet',
        ...(id ? { id } : {}),
        url: expansion.url,
        version: expansion.version,
        name: expansion.name,
        status: 'active',
        expansion: {
          identifier: `urn:uuid:${randomUUID()}`,
          timestamp: clock.now().toISOString(),
          total: expansion.total,
          offset: expansion.offset,
          parameter: [
            ...(params.filter ? [{ name: 'filter', valueString: params.filter }] : []),
            ...(params.displayLanguage ? [{ name: 'displayLanguage', valueCode: params.displayLanguage }] : []),
            { name: 'date', valueDateTime: expansion.date },
            { name: 'offset', valueInteger: expansion.offset },
            { name: 'count', valueInteger: count },
          ],
          // FHIR JSON has no empty arrays: a page without codes (count=0, or past the end) has no contains.
          ...(expansion.contains.length === 0
            ? {}
            : {
                contains: expansion.contains.map((entry) => ({
                  system: entry.system,
                  version: entry.version,
                  code: entry.code,
                  display: entry.display,
                  ...(params.includeDesignations && entry.concept.designations
                    ? { designation: entry.concept.designations.map((d) => ({ language: d.language, value: d.value })) }
                    : {}),
                })),
              }),
        },
      };
      return valueSet;
    },
  });
}
