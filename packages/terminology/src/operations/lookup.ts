import type { ParametersParameter } from '@mekong/fhir';
import { defineOperation, type FhirOperation } from '@mekong/server';
import { z } from 'zod';
import { shiftDay } from '../loaders/dates.js';
import type { PropertyValue } from '../model/definitions.js';
import type { TerminologyService } from '../service/types.js';
import { instanceTarget } from './instance.js';
import { answering, coding, parametersOf, required, text } from './parameters.js';

const input = z.object({
  code: text.optional(),
  system: text.optional(),
  version: text.optional(),
  coding: coding.optional(),
  property: z.array(text).optional(),
  displayLanguage: text.optional(),
});

function propertyPart(code: string, value: PropertyValue, type: 'valueDateTime' | undefined): ParametersParameter {
  const valued =
    type === 'valueDateTime'
      ? { valueDateTime: String(value) }
      : typeof value === 'boolean'
        ? { valueBoolean: value }
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? { valueInteger: value }
            : { valueDecimal: value }
          : { valueString: value };
  return {
    name: 'property',
    part: [
      { name: 'code', valueCode: code },
      { name: 'value', ...valued },
    ],
  };
}

/**
 * `CodeSystem/$lookup` and `CodeSystem/{id}/$lookup` (FHIR R4): a code's name, display, designations and
 * properties; a code with a validity period gets the properties `effectiveDate` and `retirementDate` (the first
 * day it is no longer valid).
 */
export function lookupOperation(terminology: () => TerminologyService): FhirOperation {
  return defineOperation({
    name: '$lookup',
    levels: ['type', 'instance'],
    resourceTypes: ['CodeSystem'],
    summary: 'Details of a code in a code system',
    parameters: input,
    handler({ params, resourceType, id }) {
      const service = terminology();
      const target = instanceTarget(service, resourceType, id);
      const code = required(params.code ?? params.coding?.code, 'code', 'give code (and system), or a coding');
      const system = required(
        target?.url ?? params.system ?? params.coding?.system,
        'system',
        'give the code system URL, such as http://hl7.org/fhir/sid/icd-10',
      );
      const version = target?.version ?? params.version ?? params.coding?.version;
      const found = answering(() =>
        service.lookup({
          system,
          code,
          ...(version ? { version } : {}),
          ...(params.property ? { properties: params.property } : {}),
          ...(params.displayLanguage ? { displayLanguage: params.displayLanguage } : {}),
        }),
      );
      const wanted = (name: string) => !params.property || params.property.includes(name);
      return parametersOf([
        { name: 'name', valueString: found.name },
        { name: 'version', valueString: found.version },
        { name: 'display', valueString: found.display },
        ...found.designations.map(
          (d): ParametersParameter => ({
            name: 'designation',
            part: [
              { name: 'language', valueCode: d.language },
              ...(d.use
                ? [
                    {
                      name: 'use',
                      valueCoding: { ...(d.use.system ? { system: d.use.system } : {}), code: d.use.code },
                    },
                  ]
                : []),
              { name: 'value', valueString: d.value },
            ],
          }),
        ),
        ...found.properties.map((p) => propertyPart(p.code, p.value, undefined)),
        found.effective?.from && wanted('effectiveDate')
          ? propertyPart('effectiveDate', found.effective.from, 'valueDateTime')
          : undefined,
        found.effective?.to && wanted('retirementDate')
          ? propertyPart('retirementDate', shiftDay(found.effective.to, 1), 'valueDateTime')
          : undefined,
      ]);
    },
  });
}
