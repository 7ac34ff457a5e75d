import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The official FHIR R4 examples (npm package hl7.fhir.r4.examples, CC0) of the given resource types. */
export function officialExamples(types: readonly string[]): { file: string; json: Record<string, unknown> }[] {
  const dir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
  const wanted = new Set(types);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && wanted.has(file.split('-')[0] as string))
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown> }))
    .filter(({ json }) => wanted.has(json.resourceType as string));
}
