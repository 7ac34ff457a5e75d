/**
 * Generates TypeScript types and zod schemas for FHIR R4 (4.0.1) from the official StructureDefinitions in
 * the npm package `hl7.fhir.r4.examples` (CC0). Re-run with `pnpm --filter @mekong/fhir generate`; the
 * output in src/generated is committed and checked by the tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every concrete R4 resource type, from the definitions (filled in below). */
let RESOURCE_TYPES: string[] = [];

interface TypeRef {
  code: string;
  extension?: { url: string; valueUrl?: string }[];
}
interface ElementDefinition {
  path: string;
  min: number;
  max: string;
  type?: TypeRef[];
  contentReference?: string;
  short?: string;
  binding?: { strength: string; valueSet?: string };
}
interface StructureDefinition {
  id: string;
  name: string;
  kind: 'primitive-type' | 'complex-type' | 'resource' | 'logical';
  abstract: boolean;
  derivation?: 'specialization' | 'constraint';
  snapshot: { element: ElementDefinition[] };
}

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'src', 'generated');
const definitionsDir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));

const definitions = new Map<string, StructureDefinition>();
for (const file of readdirSync(definitionsDir)) {
  if (!file.startsWith('StructureDefinition-')) continue;
  const sd = JSON.parse(readFileSync(join(definitionsDir, file), 'utf8')) as StructureDefinition;
  if (sd.derivation === 'specialization' || sd.id === 'Element' || sd.id === 'Resource') definitions.set(sd.id, sd);
}

interface Concept {
  code: string;
  concept?: Concept[];
}
interface ValueSetInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}
const valueSets = new Map<string, { compose?: { include: ValueSetInclude[]; exclude?: unknown[] } }>();
const codeSystems = new Map<string, { content?: string; concept?: Concept[] }>();
for (const file of readdirSync(definitionsDir)) {
  if (!file.startsWith('ValueSet-') && !file.startsWith('CodeSystem-')) continue;
  const json = JSON.parse(readFileSync(join(definitionsDir, file), 'utf8'));
  if (json.resourceType === 'ValueSet') valueSets.set(json.url, json);
  if (json.resourceType === 'CodeSystem') codeSystems.set(json.url, json);
}

/**
 * The codes of a value set, when the package lets us list them all: explicit concepts, or whole code systems
 * whose content is complete. Undefined when any part cannot be listed (filters, external code systems).
 */
function codesOf(url: string, seen = new Set<string>()): string[] | undefined {
  const canonical = url.split('|')[0] as string;
  if (seen.has(canonical)) return undefined;
  seen.add(canonical);
  const valueSet = valueSets.get(canonical);
  if (!valueSet?.compose || valueSet.compose.exclude) return undefined;
  const codes: string[] = [];
  for (const include of valueSet.compose.include) {
    if (include.filter) return undefined;
    for (const imported of include.valueSet ?? []) {
      const more = codesOf(imported, seen);
      if (!more) return undefined;
      codes.push(...more);
    }
    if (include.concept) {
      codes.push(...include.concept.map((c) => c.code));
    } else if (include.system) {
      const system = codeSystems.get(include.system);
      if (!system?.concept || system.content !== 'complete') return undefined;
      const flatten = (concepts: Concept[]): string[] => concepts.flatMap((c) => [c.code, ...flatten(c.concept ?? [])]);
      codes.push(...flatten(system.concept));
    }
  }
  return codes.length > 0 ? [...new Set(codes)] : undefined;
}

RESOURCE_TYPES = [...definitions.values()]
  .filter((sd) => sd.kind === 'resource' && !sd.abstract)
  .map((sd) => sd.id)
  .sort();

const primitives = [...definitions.values()].filter((sd) => sd.kind === 'primitive-type').map((sd) => sd.id);
const complexTypes = [...definitions.values()]
  .filter((sd) => sd.kind === 'complex-type' && !sd.abstract && sd.id !== 'BackboneElement')
  .map((sd) => sd.id)
  .sort();
const isPrimitive = (code: string) => primitives.includes(code);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const primitiveSchema = (code: string) => `fhir${cap(code)}`;
const primitiveTsType = (code: string) =>
  ['boolean'].includes(code)
    ? 'boolean'
    : ['integer', 'positiveInt', 'unsignedInt', 'decimal'].includes(code)
      ? 'number'
      : 'string';

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/** The FHIR type code of a type ref; system types (ids, urls) carry it in an extension. */
function typeCode(element: ElementDefinition, ref: TypeRef): string {
  if (!ref.code.startsWith('http://hl7.org/fhirpath/System.')) return ref.code;
  if (/^[A-Z]\w+\.id$/.test(element.path) && element.path.split('.').length === 2) {
    // Resource.id is an `id`; Element.id (and datatype ids) are plain strings.
    return definitions.get(element.path.split('.')[0] as string)?.kind === 'resource' ? 'id' : 'string';
  }
  return ref.extension?.find((e) => e.url === FHIR_TYPE_EXT)?.valueUrl ?? 'string';
}

interface Field {
  name: string;
  zod: string;
  ts: string;
  optional: boolean;
  doc: string | undefined;
}
interface TypeModel {
  name: string;
  fields: Field[];
  resourceType?: string;
  required: string[];
  choices: { base: string; names: string[]; required: boolean }[];
  primitiveArrays: string[];
}

/** Builds the models of a definition: its own type and one per backbone element, named by path. */
function modelsOf(sd: StructureDefinition): TypeModel[] {
  const elements = sd.snapshot.element;
  const children = new Map<string, ElementDefinition[]>();
  for (const element of elements.slice(1)) {
    const parent = element.path.slice(0, element.path.lastIndexOf('.'));
    children.set(parent, [...(children.get(parent) ?? []), element]);
  }
  const typeNameOf = (path: string) => (path === sd.id ? sd.id : path.split('.').map(cap).join(''));
  const models: TypeModel[] = [];

  const build = (path: string): void => {
    const model: TypeModel = { name: typeNameOf(path), fields: [], required: [], choices: [], primitiveArrays: [] };
    if (path === sd.id && sd.kind === 'resource') model.resourceType = sd.id;
    for (const element of children.get(path) ?? []) {
      if (element.max === '0') continue;
      const name = element.path.slice(path.length + 1);
      const many = element.max !== '1';
      const required = element.min >= 1;
      const doc = element.short;
      if (name.endsWith('[x]')) {
        const base = name.slice(0, -3);
        const names: string[] = [];
        for (const ref of element.type ?? []) {
          const code = typeCode(element, ref);
          const field = base + cap(code);
          names.push(field);
          addField(model, field, code, false, false, doc);
        }
        model.choices.push({ base, names, required });
        continue;
      }
      if (element.contentReference) {
        const target = typeNameOf(element.contentReference.slice(1));
        pushComplex(model, name, target, many, required, doc);
        continue;
      }
      if (children.has(element.path)) {
        build(element.path);
        pushComplex(model, name, typeNameOf(element.path), many, required, doc);
        continue;
      }
      const ref = (element.type ?? [])[0] as TypeRef;
      const system = ref.code.startsWith('http://hl7.org/fhirpath/System.');
      const code = typeCode(element, ref);
      const binding = element.binding;
      const codes =
        code === 'code' && binding?.strength === 'required' && binding.valueSet ? codesOf(binding.valueSet) : undefined;
      addField(model, name, code, many, required, doc, system, codes);
    }
    models.push(model);
  };
  build(sd.id);
  return models;
}

function pushComplex(model: TypeModel, name: string, type: string, many: boolean, required: boolean, doc?: string) {
  const schema = type === 'Resource' ? 'AnyResourceSchema' : `${type}Schema`;
  const ts = type === 'Resource' ? 'AnyResource' : type;
  model.fields.push({
    name,
    zod: `get ${name}() { return ${many ? `z.array(${schema}).min(1, NOT_EMPTY)` : schema}${required ? '' : '.optional()'}; }`,
    ts: many ? `${ts}[]` : ts,
    optional: !required,
    doc,
  });
}

/** `system`: a FHIRPath system type (element ids, extension urls), which has no `_name` sibling in JSON. */
function addField(
  model: TypeModel,
  name: string,
  code: string,
  many: boolean,
  required: boolean,
  doc?: string,
  system = false,
  /** The codes of a required binding, when they can be listed: the field takes only these. */
  codes?: readonly string[],
) {
  if (!isPrimitive(code)) {
    pushComplex(model, name, code, many, required, doc);
    return;
  }
  const schema = codes ? `z.enum(${JSON.stringify(codes)})` : primitiveSchema(code);
  const ts = codes ? codes.map((c) => JSON.stringify(c)).join(' | ') : primitiveTsType(code);
  if (many) {
    model.fields.push({
      name,
      zod: `${name}: z.array(${schema}.nullable()).min(1, NOT_EMPTY).optional()`,
      ts: `(${codes ? `(${ts})` : ts} | null)[]`,
      optional: true,
      doc,
    });
    model.fields.push({
      name: `_${name}`,
      zod: `get _${name}() { return z.array(ElementSchema.nullable()).min(1, NOT_EMPTY).optional(); }`,
      ts: '(Element | null)[]',
      optional: true,
      doc: undefined,
    });
    model.primitiveArrays.push(name);
  } else if (system) {
    model.fields.push({
      name,
      zod: `${name}: ${schema}${required ? '' : '.optional()'}`,
      ts,
      optional: !required,
      doc,
    });
    return;
  } else {
    model.fields.push({ name, zod: `${name}: ${schema}.optional()`, ts, optional: true, doc });
    model.fields.push({
      name: `_${name}`,
      zod: `get _${name}() { return ElementSchema.optional(); }`,
      ts: 'Element',
      optional: true,
      doc: undefined,
    });
  }
  if (required) model.required.push(name);
}

function emitModel(model: TypeModel): string {
  // Short descriptions link to pages of the specification by relative paths: make them absolute.
  const docLine = (doc: string | undefined) =>
    doc
      ? `  /** ${doc.replaceAll('*/', '* /').replace(/\]\((?!https?:)([^)]+)\)/g, '](https://hl7.org/fhir/R4/$1)')} */\n`
      : '';
  const iface = [
    `/** FHIR R4 ${model.name}. */`,
    `export interface ${model.name} {`,
    ...(model.resourceType ? [`  resourceType: '${model.resourceType}';`] : []),
    ...model.fields.map((f) => `${docLine(f.doc)}  ${f.name}${f.optional ? '?' : ''}: ${f.ts};`),
    '}',
  ].join('\n');
  const shape = [
    ...(model.resourceType ? [`resourceType: z.literal('${model.resourceType}'),`] : []),
    ...model.fields.map((f) => `${f.zod},`),
  ].join('\n');
  const rules: string[] = [];
  if (model.required.length) rules.push(`required: ${JSON.stringify(model.required)}`);
  if (model.choices.length) rules.push(`choices: ${JSON.stringify(model.choices)}`);
  if (model.primitiveArrays.length) rules.push(`primitiveArrays: ${JSON.stringify(model.primitiveArrays)}`);
  const object = `z.strictObject({\n${shape}\n})`;
  const body = rules.length ? `withElementRules(${object}, { ${rules.join(', ')} })` : object;
  const schema = `/** Validates a ${model.name}. */\nexport const ${model.name}Schema: z.ZodType<${model.name}> = ${body} as unknown as z.ZodType<${model.name}>;`;
  return `${iface}\n\n${schema}`;
}

const HEADER =
  '// Generated by packages/fhir/scripts/generate.ts from the FHIR R4 (4.0.1) StructureDefinitions. Do not edit.\n';

function usedNames(code: string, candidates: readonly string[]): string[] {
  // Docs and string literals (binding codes such as 'Quantity') are not references to types.
  const withoutDocs = code.replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/'[^'\n]*'|"[^"\n]*"/g, "''");
  return candidates.filter((name) => new RegExp(`\\b${name}\\b`).test(withoutDocs));
}

function ruleImports(code: string, from: string): string {
  const names = usedNames(code, ['withElementRules', 'NOT_EMPTY']);
  return names.length ? `import { ${names.join(', ')} } from '${from}';` : '';
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'resources'), { recursive: true });

/** What a primitive must look like, said the way an error message needs it. */
const PRIMITIVE_MESSAGES: Record<string, string> = {
  base64Binary: 'must be base64',
  canonical: 'must be a canonical URL without spaces',
  code: 'must be a code: no leading, trailing or double spaces',
  date: 'must be a date: YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'must be a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone',
  id: 'must be an id: 1 to 64 letters, digits, "-" or "."',
  instant: 'must be an instant: YYYY-MM-DDThh:mm:ss(.sss) with a time zone',
  markdown: 'must be a non-empty string',
  oid: 'must be an OID: urn:oid:1.2.3',
  string: 'must be a non-empty string',
  time: 'must be a time: hh:mm:ss',
  uri: 'must be a URI without spaces',
  url: 'must be a URL without spaces',
  uuid: 'must be a UUID: urn:uuid: and 36 lowercase hex characters and hyphens',
};

/** FHIR regexes use XML Schema's \\s (space, tab, CR, LF), narrower than JavaScript's. */
function xmlSchemaRegex(pattern: string): string {
  return pattern
    .replaceAll('[^\\s]', '[^ \\t\\n\\r]')
    .replaceAll('\\S', '[^ \\t\\n\\r]')
    .replaceAll('\\s', '[ \\t\\n\\r]');
}

function primitiveDefinition(code: string): string {
  const numbers: Record<string, string> = {
    integer: 'z.number().int().min(-2147483648).max(2147483647)',
    positiveInt: 'z.number().int().min(1).max(2147483647)',
    unsignedInt: 'z.number().int().min(0).max(2147483647)',
    decimal: "z.number().refine(Number.isFinite, 'must be a finite number')",
  };
  if (code === 'boolean') return 'z.boolean()';
  if (numbers[code]) return numbers[code] as string;
  // Every string primitive first: text the database can hold, or one issue and no further checks.
  const text = 'z.string().refine(isStorableText, { message: STORABLE_TEXT, abort: true })';
  if (code === 'xhtml') return `${text}.superRefine(checkNarrativeXhtml)`;
  if (code === 'base64Binary') return `${text}.refine(isBase64, '${PRIMITIVE_MESSAGES.base64Binary}')`;
  if (code === 'string' || code === 'markdown') {
    return `${text}.refine(isText, '${PRIMITIVE_MESSAGES[code]}')`;
  }
  const value = (definitions.get(code) as StructureDefinition).snapshot.element.find((e) => e.path === `${code}.value`);
  const regex = value?.type?.[0]?.extension?.find((e) => e.url.endsWith('/regex')) as
    | { valueString?: string }
    | undefined;
  if (!regex?.valueString) throw new Error(`no regex for primitive ${code}`);
  const pattern = `^(?:${xmlSchemaRegex(regex.valueString)})$`;
  const calendar = ['date', 'dateTime', 'instant'].includes(code)
    ? ".refine(isCalendarDate, 'is not a date on the calendar')"
    : '';
  return `${text}.regex(/${pattern.replaceAll('/', '\\/')}/, '${PRIMITIVE_MESSAGES[code] ?? `must be a ${code}`}')${calendar}`;
}

writeFileSync(
  join(out, 'primitives.ts'),
  `${HEADER}import { z } from 'zod';
import { isBase64, isCalendarDate, isStorableText, isText, STORABLE_TEXT } from '../model/primitive-checks.js';
import { checkNarrativeXhtml } from '../model/narrative.js';

${primitives
  .sort()
  .map(
    (code) =>
      `/** FHIR R4 primitive \`${code}\`. */\nexport const ${primitiveSchema(code)} = ${primitiveDefinition(code)};`,
  )
  .join('\n\n')}
`,
);

// Datatypes: one module, since they refer to each other freely (Identifier <-> Reference, Extension <-> all).
const datatypeModels = ['Element', ...complexTypes].flatMap((id) =>
  modelsOf(definitions.get(id) as StructureDefinition),
);
const datatypeCode = datatypeModels.map(emitModel).join('\n\n');
const primitiveNames = primitives.map(primitiveSchema);
writeFileSync(
  join(out, 'datatypes.ts'),
  `${HEADER}import { z } from 'zod';
${/\bAnyResource\b/.test(datatypeCode) ? "import type { AnyResource } from '../model/any-resource.js';\nimport { AnyResourceSchema } from '../model/any-resource.js';\n" : ''}${ruleImports(datatypeCode, '../model/element-rules.js')}
import { ${usedNames(datatypeCode, primitiveNames).join(', ')} } from './primitives.js';

${datatypeCode}
`,
);

const datatypeNames = datatypeModels.map((m) => m.name);
for (const type of RESOURCE_TYPES) {
  const models = modelsOf(definitions.get(type) as StructureDefinition);
  const code = models.map(emitModel).join('\n\n');
  const types = usedNames(code, datatypeNames);
  const schemas = usedNames(
    code,
    datatypeNames.map((n) => `${n}Schema`),
  );
  writeFileSync(
    join(out, 'resources', `${type}.ts`),
    `${HEADER}import { z } from 'zod';
${/\bAnyResource\b/.test(code) ? "import type { AnyResource } from '../../model/any-resource.js';\nimport { AnyResourceSchema } from '../../model/any-resource.js';\n" : ''}import type { ${types.join(', ')} } from '../datatypes.js';
import { ${schemas.join(', ')} } from '../datatypes.js';
${ruleImports(code, '../../model/element-rules.js')}
import { ${usedNames(code, primitiveNames).join(', ')} } from '../primitives.js';

${code}
`,
  );
}

writeFileSync(
  join(out, 'resources', 'index.ts'),
  `${HEADER}${RESOURCE_TYPES.map((t) => `export * from './${t}.js';`).join('\n')}
`,
);
writeFileSync(
  join(out, 'resource-types.ts'),
  `${HEADER}${RESOURCE_TYPES.map((t) => `import { type ${t}, ${t}Schema } from './resources/${t}.js';`).join('\n')}

/** Every FHIR R4 resource type (${RESOURCE_TYPES.length}). */
export const resourceTypes = ${JSON.stringify(RESOURCE_TYPES)} as const;

/** One of {@link resourceTypes}. */
export type ResourceType = (typeof resourceTypes)[number];

/** Any FHIR R4 resource. */
export type SupportedResource = ${RESOURCE_TYPES.join(' | ')};

/** The schema of each resource type. */
export const resourceSchemas = {
${RESOURCE_TYPES.map((t) => `  ${t}: ${t}Schema,`).join('\n')}
} as const;
`,
);

// Search parameters of the specification, by resource type, each with the part of its expression for that type.
interface SearchParameterDefinition {
  url: string;
  code: string;
  base: string[];
  type: string;
  expression?: string;
  target?: string[];
}
/** Splits a FHIRPath expression on its top-level `|`. */
function unionParts(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts;
}
const searchParameters: Record<string, { code: string; type: string; expression: string; target?: string[] }[]> = {};
for (const file of readdirSync(definitionsDir).sort()) {
  if (!file.startsWith('SearchParameter-')) continue;
  const sp = JSON.parse(readFileSync(join(definitionsDir, file), 'utf8')) as SearchParameterDefinition;
  if (!sp.url.startsWith('http://hl7.org/fhir/SearchParameter/') || !sp.expression) continue;
  for (const base of sp.base) {
    const parts = unionParts(sp.expression).filter(
      (part) => part.startsWith(`${base}.`) || part.startsWith(`(${base}.`),
    );
    const expression = base === 'Resource' || base === 'DomainResource' ? sp.expression : parts.join(' | ');
    if (!expression || searchParameters[base]?.some((known) => known.code === sp.code)) continue;
    const forBase = searchParameters[base] ?? [];
    searchParameters[base] = forBase;
    forBase.push({
      code: sp.code,
      type: sp.type,
      expression,
      ...(sp.target ? { target: [...sp.target].sort() } : {}),
    });
  }
}
for (const list of Object.values(searchParameters))
  list.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
writeFileSync(
  join(out, 'search-parameters.ts'),
  `${HEADER}/** A search parameter of the FHIR R4 specification, as it applies to one resource type. */
export interface SearchParameterDefinition {
  readonly code: string;
  readonly type: 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';
  /** The FHIRPath expression for this resource type (the parts of the definition's union that apply to it). */
  readonly expression: string;
  /** For references: the resource types it may point to. */
  readonly target?: readonly string[];
}

/** Search parameters by resource type; \`Resource\` and \`DomainResource\` apply to every type. */
export const searchParameters: Readonly<Record<string, readonly SearchParameterDefinition[]>> = ${JSON.stringify(searchParameters, null, 1)};
`,
);

execFileSync('pnpm', ['exec', 'biome', 'check', '--write', out], { stdio: 'inherit' });
console.log(
  `generated ${datatypeModels.length} datatype models and ${RESOURCE_TYPES.length} resources from ${definitionsDir}`,
);
