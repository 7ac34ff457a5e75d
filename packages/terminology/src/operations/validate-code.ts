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
  date: text.optional(),
});

function answer(result: ValidateCodeResult) {
  return parametersOf([
    { name: 'result', valueBoolean: result.result },
    result.message ? { name: 'message', valueString: result.message } : undefined,
    result.display ? { name: 'display', valueString: result.display } : undefined,
  ]);
}

/**
 * `$validate-code` on CodeSystem and ValueSet (FHIR R4), at type and instance level: whether a code is in the
 * code system or value set, valid on `date` (default today), and, when a display is given, named so.
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
      const code = required(params.code ?? params.coding?.code, 'code', 'give code, or a coding');
      const display = params.display ?? params.coding?.display;
      const system = params.system ?? params.coding?.system;
      const common = { code, ...(display ? { display } : {}), ...(params.date ? { date: params.date } : {}) };
      if (resourceType === 'CodeSystem') {
        const url = required(target?.url ?? params.url ?? system, 'url', 'give the code system URL as url (or system)');
        const version = target?.version ?? params.version ?? params.coding?.version;
        return answer(
          answering(() => service.validateCode({ system: url, ...(version ? { version } : {}), ...common })),
        );
      }
      const url = required(target?.url ?? params.url, 'url', 'give the value set URL as url');
      const valueSetVersion = target?.version ?? params.valueSetVersion;
      const systemVersion = params.systemVersion ?? params.coding?.version;
      return answer(
        answering(() =>
          service.validateValueSetCode({
            valueSet: url,
            ...(valueSetVersion ? { valueSetVersion } : {}),
            ...(system ? { system } : {}),
            ...(systemVersion ? { systemVersion } : {}),
            ...common,
          }),
        ),
      );
    },
  });
}
