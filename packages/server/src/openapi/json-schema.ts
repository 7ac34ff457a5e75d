import { z } from 'zod';

/** A zod schema as JSON Schema (draft 2020-12, what OpenAPI 3.1 uses), for the API reference. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return rest;
}
