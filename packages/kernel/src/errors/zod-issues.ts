import type { z } from 'zod';

/** One validation issue with its dotted path; record-key issues carry the key and the key's own message. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Flattens zod issues into dotted paths and readable messages. */
export function validationIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path].map(String);
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      return issue.issues.map((inner) => ({ path: path.join('.'), message: `key ${inner.message}` }));
    }
    return [{ path: path.join('.'), message: issue.message }];
  });
}
