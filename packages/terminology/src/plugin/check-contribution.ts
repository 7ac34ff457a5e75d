import type { z } from 'zod';
import {
  codeSystemDefinitionSchema,
  codeSystemFileSchema,
  type TerminologyContribution,
  terminologyContributionSchema,
  valueSetDefinitionSchema,
} from '../model/definitions.js';

function problems(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

/**
 * Checks a contribution to `terminology.codeSystems`. Each code system is checked against the schema its shape
 * asks for (a file when it has a `format`, data otherwise), so a problem is named by its path
 * (`codeSystems.0.concepts.0.display`) rather than as a union mismatch.
 */
export function checkContribution(value: unknown): { contribution?: TerminologyContribution; problems: string[] } {
  const found: string[] = [];
  const raw = value as { codeSystems?: unknown; valueSets?: unknown } | null;
  if (Array.isArray(raw?.codeSystems)) {
    raw.codeSystems.forEach((source: unknown, i) => {
      const schema =
        typeof source === 'object' && source !== null && 'format' in source
          ? codeSystemFileSchema
          : codeSystemDefinitionSchema;
      const parsed = schema.safeParse(source);
      if (!parsed.success) found.push(...problems(parsed.error, `codeSystems.${i}`));
    });
  }
  if (Array.isArray(raw?.valueSets)) {
    raw.valueSets.forEach((set: unknown, i) => {
      const parsed = valueSetDefinitionSchema.safeParse(set);
      if (!parsed.success) found.push(...problems(parsed.error, `valueSets.${i}`));
    });
  }
  if (found.length > 0) return { problems: found };
  const parsed = terminologyContributionSchema.safeParse(value);
  return parsed.success ? { contribution: parsed.data, problems: [] } : { problems: problems(parsed.error, '') };
}
