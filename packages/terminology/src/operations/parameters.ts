import type { Parameters, ParametersParameter } from '@mekong/fhir';
import { HttpError } from '@mekong/server';
import { z } from 'zod';
import { TerminologyError } from '../service/terminology-error.js';

/** A string parameter (GET and POST alike). */
export const text = z.string().min(1);

/** A non-negative integer: a number in a Parameters body, a string in a query. */
export const whole = z.coerce.number().int().min(0);

/** A boolean: `true`/`false` in a query, a valueBoolean in a body. */
export const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** A Coding given in a Parameters body. */
export const coding = z
  .object({ system: text.optional(), version: text.optional(), code: text, display: text.optional() })
  .loose();

/** The FHIRPath of an input parameter, for an OperationOutcome's expression. */
export function parameterPath(name: string): string {
  return `Parameters.parameter.where(name = '${name}')`;
}

/** Runs a service call, turning its TerminologyError into the HTTP error the caller receives. */
export function answering<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof TerminologyError) {
      throw new HttpError({
        status: error.status,
        message: error.message,
        hint: error.hint,
        ...(error.parameter ? { expression: [parameterPath(error.parameter)] } : {}),
      });
    }
    throw error;
  }
}

/** Refuses a request that lacks a parameter it needs. */
export function required<T>(value: T | undefined, name: string, hint: string): T {
  if (value === undefined) {
    throw new HttpError({
      status: 400,
      message: `the parameter '${name}' is required`,
      hint,
      expression: [parameterPath(name)],
    });
  }
  return value;
}

/** A Parameters resource from its parameters, leaving out those without a value. */
export function parametersOf(parameter: readonly (ParametersParameter | undefined)[]): Parameters {
  return { resourceType: 'Parameters', parameter: parameter.filter((p): p is ParametersParameter => p !== undefined) };
}
