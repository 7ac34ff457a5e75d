import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { CodeSystemDefinition, ConceptDefinition, PropertyValue } from '../model/definitions.js';
import { shiftDay } from './dates.js';
import { TerminologyLoadError } from './load-error.js';

const property = z
  .object({
    code: z.string().min(1),
    valueCode: z.string().optional(),
    valueString: z.string().optional(),
    valueInteger: z.number().int().optional(),
    valueBoolean: z.boolean().optional(),
    valueDateTime: z.string().optional(),
    valueDecimal: z.number().optional(),
    valueCoding: z.object({ code: z.string() }).loose().optional(),
  })
  .loose();

interface JsonConcept {
  code: string;
  display: string;
  designation?: { language?: string | undefined; value: string }[] | undefined;
  property?: z.output<typeof property>[] | undefined;
  concept?: JsonConcept[] | undefined;
}

const concept: z.ZodType<JsonConcept> = z.lazy(() =>
  z
    .object({
      code: z.string().min(1),
      display: z.string().min(1, 'every concept needs a display'),
      designation: z.array(z.object({ language: z.string().optional(), value: z.string().min(1) }).loose()).optional(),
      property: z.array(property).optional(),
      concept: z.array(concept).optional(),
    })
    .loose(),
);

const codeSystem = z
  .object({
    resourceType: z.literal('CodeSystem'),
    id: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/),
    url: z.string().min(1),
    version: z.string().min(1),
    name: z.string().min(1),
    title: z.string().optional(),
    language: z.string().optional(),
    publisher: z.string().optional(),
    valueSet: z.string().optional(),
    content: z.enum(['complete', 'fragment', 'example', 'supplement', 'not-present']).optional(),
    concept: z.array(concept).min(1, 'a CodeSystem loaded here carries its concepts'),
  })
  .loose();

function propertyValue(p: z.output<typeof property>): PropertyValue | undefined {
  return (
    p.valueCode ??
    p.valueString ??
    p.valueInteger ??
    p.valueBoolean ??
    p.valueDateTime ??
    p.valueDecimal ??
    p.valueCoding?.code
  );
}

function flatten(concepts: readonly JsonConcept[], parent: string | undefined, into: ConceptDefinition[]): void {
  for (const c of concepts) {
    const properties: Record<string, PropertyValue> = parent === undefined ? {} : { parent };
    let from: string | undefined;
    let to: string | undefined;
    for (const p of c.property ?? []) {
      const value = propertyValue(p);
      if (value === undefined) continue;
      // The concept-properties of FHIR: effectiveDate (first valid day), retirementDate (first day no longer valid).
      if (p.code === 'effectiveDate' && typeof value === 'string') from = value.slice(0, 10);
      else if (p.code === 'retirementDate' && typeof value === 'string') to = shiftDay(value.slice(0, 10), -1);
      else properties[p.code] = value;
    }
    const designations = (c.designation ?? []).flatMap((d) =>
      d.language ? [{ language: d.language, value: d.value }] : [],
    );
    into.push({
      code: c.code,
      display: c.display,
      ...(designations.length > 0 ? { designations } : {}),
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      ...(from || to ? { effective: { ...(from ? { from } : {}), ...(to ? { to } : {}) } } : {}),
    });
    flatten(c.concept ?? [], c.code, into);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/**
 * Reads a FHIR R4 CodeSystem (JSON) with its concepts; nested concepts become concepts with a `parent`
 * property. Refuses invalid JSON (naming the line) and a resource without what a code system needs (naming the
 * element: `concept[3].display`).
 */
export function parseFhirCodeSystem(file: string, content: string): CodeSystemDefinition {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const line = position === undefined ? undefined : content.slice(0, Number(position)).split('\n').length;
    throw new TerminologyLoadError({ file, ...(line ? { line } : {}) }, `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = codeSystem.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new TerminologyLoadError({ file, column: pathText(issue.path) || 'CodeSystem' }, issue.message);
  }
  const resource = parsed.data;
  const concepts: ConceptDefinition[] = [];
  flatten(resource.concept, undefined, concepts);
  const seen = new Set<string>();
  for (const c of concepts) {
    if (seen.has(c.code))
      throw new TerminologyLoadError({ file, column: 'concept' }, `the code '${c.code}' appears twice`);
    seen.add(c.code);
  }
  return {
    id: resource.id,
    url: resource.url,
    version: resource.version,
    name: resource.name,
    ...(resource.title ? { title: resource.title } : {}),
    ...(resource.language ? { language: resource.language } : {}),
    ...(resource.publisher ? { publisher: resource.publisher } : {}),
    ...(resource.valueSet ? { valueSet: resource.valueSet } : {}),
    concepts,
  };
}

/** Reads a FHIR JSON CodeSystem from a file; see {@link parseFhirCodeSystem}. */
export async function loadFhirCodeSystem(file: string): Promise<CodeSystemDefinition> {
  return parseFhirCodeSystem(file, await readFile(file, 'utf8'));
}
