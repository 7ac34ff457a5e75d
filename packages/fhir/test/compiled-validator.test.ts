import { resourceSchemas, resourceTypes } from '@mekong/fhir';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { compileValidator } from '../src/validation/compiled-validator.js';
import { officialExamples } from './official-examples.js';

// The compiled validator decides validity on the fast path, so it must agree with zod, the source of truth,
// on every input: accepting what zod rejects would let invalid data in.
const schemaOf = (json: Record<string, unknown>) =>
  (resourceSchemas as Record<string, z.ZodType>)[json.resourceType as string] as z.ZodType;
const agree = (json: Record<string, unknown>) => {
  const schema = schemaOf(json);
  return compileValidator(schema)(json) === schema.safeParse(json).success;
};

const clinical = officialExamples(['Patient', 'Observation', 'MedicationRequest', 'Claim', 'Encounter', 'Condition']);

/** Replaces, removes or adds a value somewhere in a resource. */
function mutate(resource: Record<string, unknown>, choices: number[], replacement: unknown): Record<string, unknown> {
  const copy = structuredClone(resource);
  let node: unknown = copy;
  for (const choice of choices) {
    if (node === null || typeof node !== 'object') break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[choice % keys.length] as string;
    const child = (node as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object' && choice % 3 !== 0) {
      node = child;
      continue;
    }
    if (key === 'resourceType') break;
    const target = node as Record<string, unknown>;
    if (replacement === undefined) delete target[key];
    else target[choice % 5 === 0 ? `${key}X` : key] = replacement;
    break;
  }
  return copy;
}

describe('compiled validator', () => {
  it('agrees with zod on every official example of every resource type', () => {
    const examples = officialExamples(resourceTypes);
    const disagreements = examples.filter(({ json }) => !agree(json)).map(({ file }) => file);
    expect(disagreements).toEqual([]);
  }, 120_000);

  it('agrees with zod on randomly mutated resources', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.constantFrom('', ' x', '2024-02-30', 'final', 'male', '1990', 'urn:uuid:x', '  '),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant([]),
      fc.array(fc.oneof(fc.string(), fc.constant(null)), { minLength: 1, maxLength: 3 }),
      fc.dictionary(fc.constantFrom('text', 'value', 'system', 'url', 'extension', 'bogus'), fc.string(), {
        maxKeys: 3,
      }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: clinical.length - 1 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        value,
        (index, path, replacement) =>
          agree(mutate((clinical[index] as { json: Record<string, unknown> }).json, path, replacement)),
      ),
      { numRuns: 3_000 },
    );
  });
});
