import type { Parameters, ParametersParameter } from '@mekong/fhir';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The fields of an object schema that are arrays: a parameter given once still arrives as a list there. */
function arrayFields(schema: z.ZodType | undefined): Set<string> {
  const fields = new Set<string>();
  if (!(schema instanceof z.ZodObject)) return fields;
  for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    let inner: z.ZodType = field;
    while (WRAPPERS.has(inner._zod.def.type)) inner = (inner._zod.def as unknown as { innerType: z.ZodType }).innerType;
    if (inner instanceof z.ZodArray) fields.add(name);
  }
  return fields;
}

function parameterValue(parameter: ParametersParameter): unknown {
  if (parameter.resource !== undefined) return parameter.resource;
  if (parameter.part !== undefined) return partsToInput(parameter.part, undefined);
  for (const [key, value] of Object.entries(parameter)) if (key.startsWith('value')) return value;
  return undefined;
}

function partsToInput(parts: readonly ParametersParameter[], schema: z.ZodType | undefined): Record<string, unknown> {
  const arrays = arrayFields(schema);
  const input: Record<string, unknown> = {};
  for (const parameter of parts) {
    const name = parameter.name ?? '';
    const value = parameterValue(parameter);
    if (Object.hasOwn(input, name)) {
      const existing = input[name];
      input[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    } else {
      input[name] = arrays.has(name) ? [value] : value;
    }
  }
  return input;
}

/** An operation's input from a Parameters body: each parameter's value, resource or parts, by name. */
export function inputFromParameters(body: unknown, schema: z.ZodType | undefined): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  const parameters = body as Partial<Parameters>;
  if (typeof body !== 'object' || parameters.resourceType !== 'Parameters') {
    throw new HttpError({
      status: 400,
      message: 'an operation takes a Parameters resource as its body',
      hint: 'send {"resourceType": "Parameters", "parameter": [...]}',
      expression: ['Parameters'],
    });
  }
  return partsToInput(parameters.parameter ?? [], schema);
}

/** An operation's input from the query string: strings by name (lists where the schema wants a list). */
export function inputFromQuery(query: URLSearchParams, schema: z.ZodType | undefined): Record<string, unknown> {
  const arrays = arrayFields(schema);
  const input: Record<string, unknown> = {};
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    input[name] = arrays.has(name) || values.length > 1 ? values : values[0];
  }
  return input;
}
