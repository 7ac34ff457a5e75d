import { defineOperation, type FhirOperation } from '@mekong/server';
import { z } from 'zod';
import type { TerminologyService, ValidateCodeResult } from '../service/types.js';
import { instanceTarget } from './instance.js';
import { answering, coding, parametersOf, required, text } from './parameters.js';

const input = z.object({
  url: text.optional(),
  code: text.optional(),
  system: text.optional(),
  version: text.optional(),
  systemVersion: text.optional(),
  valueSetVersion: text.optional(),
  display: text.optional(),
  coding: coding.optional(),
  codeableConcept: z
    .object({ coding: z.array(coding).min(1), text: z.string().optional() })
    .loose()
    .optional(),
  date: text.optional(),
});

interface Candidate {
  readonly code: string;
  readonly system?: string | undefined;
  readonly version?: string | undefined;
  readonly display?: string | undefined;
}

/** `{ [key]: value }` when the value is given, else nothing (optional properties are left out, not undefined). */
function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** A CodeableConcept is valid when one of its codings is; otherwise every coding's reason is given. */
function combine(results: readonly ValidateCodeResult[]): ValidateCodeResult {
  const valid = results.find((r) => r.result);
  if (valid || results.length === 1) return valid ?? (results[0] as ValidateCodeResult);
  const reasons = results.flatMap((r) => (r.message ? [r.message] : []));
  return { result: false, ...(reasons.length > 0 ? { message: reasons.join('; ') } : {}) };
}

function answer(result: ValidateCodeResult) {
  return parametersOf([
    { name: 'result', valueBoolean: result.result },
    result.message ? { name: 'message', valueString: result.message } : undefined,
    result.display ? { name: 'display', valueString: result.display } : undefined,
  ]);
}

/**
 * `$validate-code` on CodeSystem and ValueSet (FHIR R4), at type and instance level: whether a code (`code` with
 * `system`, a `coding`, or any coding of a `codeableConcept`) is in the code system or value set, valid on `date`
 * (default today), and, when a display is given, named so.
 */
export function validateCodeOperation(terminology: () => TerminologyService): FhirOperation {
  return defineOperation({
    name: '$validate-code',
    levels: ['type', 'instance'],
    resourceTypes: ['CodeSystem', 'ValueSet'],
    summary: 'Whether a code is valid in a code system or value set',
    parameters: input,
    handler({ params, resourceType, id }) {
      const service = terminology();
      const target = instanceTarget(service, resourceType, id);
      const given: Candidate[] = params.codeableConcept?.coding ?? [
        {
          code: required(params.code ?? params.coding?.code, 'code', 'give code, a coding or a codeableConcept'),
          ...optional('system', params.system ?? params.coding?.system),
          ...optional('version', params.coding?.version),
          ...optional('display', params.display ?? params.coding?.display),
        },
      ];
      const date = optional('date', params.date);
      if (resourceType === 'CodeSystem') {
        const url = required(
          target?.url ?? params.url ?? given[0]?.system,
          'url',
          'give the code system URL as url (or system)',
        );
        const version = target?.version ?? params.version ?? given[0]?.version;
        // In a CodeableConcept, only the codings of this code system are its to judge.
        const own = given.filter((c) => c.system === undefined || c.system === url);
        if (own.length === 0) return answer({ result: false, message: `no coding of ${url} was given` });
        return answer(
          combine(
            own.map((c) =>
              answering(() =>
                service.validateCode({
                  system: url,
                  code: c.code,
                  ...(version ? { version } : {}),
                  ...optional('display', c.display),
                  ...date,
                }),
              ),
            ),
          ),
        );
      }
      const url = required(target?.url ?? params.url, 'url', 'give the value set URL as url');
      const valueSetVersion = target?.version ?? params.valueSetVersion;
      return answer(
        combine(
          given.map((c) =>
            answering(() =>
              service.validateValueSetCode({
                valueSet: url,
                code: c.code,
                ...(valueSetVersion ? { valueSetVersion } : {}),
                ...optional('system', c.system),
                ...optional('systemVersion', params.systemVersion ?? c.version),
                ...optional('display', c.display),
                ...date,
              }),
            ),
          ),
        ),
      );
    },
  });
}
