import type { z } from 'zod';
import { HttpError } from '../http/http-error.js';

/** Validates one input of a route against its schema; 400 naming every failing element. */
export function validateInput<S extends z.ZodType | undefined>(
  schema: S,
  value: unknown,
  where: string,
  pathOf: (path: readonly PropertyKey[]) => string = (path) => [where, ...path.map(String)].join('.'),
): S extends z.ZodType ? z.output<S> : undefined {
  if (!schema) return undefined as never;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as never;
  const issues = parsed.error.issues;
  throw new HttpError({
    status: 400,
    message: `invalid ${where}: ${issues.map((issue) => `${pathOf(issue.path) || where}: ${issue.message}`).join('; ')}`,
    hint: 'correct the elements listed and send the request again',
    expression: issues.map((issue) => pathOf(issue.path) || where),
  });
}
