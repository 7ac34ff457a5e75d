import { z } from 'zod';

/** A calendar date, `YYYY-MM-DD`. */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD');

/**
 * When a concept is valid: from the day a decision opened it to the last day before it was withdrawn, both
 * inclusive (a BHYT catalogue's "từ ngày ... đến ngày ..."). Either end may be open.
 */
export const effectivePeriodSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() }).strict();

/** A concept's name in another language or for another use. */
export const designationSchema = z
  .object({
    language: z.string().min(2),
    value: z.string().min(1),
    use: z.object({ system: z.string().optional(), code: z.string() }).strict().optional(),
  })
  .strict();

/** A property value of a concept: what `$lookup` returns by property code. */
export const propertyValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** One code of a code system. */
export const conceptSchema = z
  .object({
    code: z.string().min(1),
    display: z.string().min(1),
    designations: z.array(designationSchema).optional(),
    properties: z.record(z.string(), propertyValueSchema).optional(),
    effective: effectivePeriodSchema.optional(),
  })
  .strict();

const id = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, 'must be a FHIR id: letters, digits, - and ., up to 64');

/** What identifies a code system and describes it, whatever its concepts come from. */
export const codeSystemHeaderSchema = z.object({
  /** The id of the code system at `/CodeSystem/{id}`: unique among the loaded code systems and versions. */
  id,
  /** The canonical URL: the `system` of codings (`http://hl7.org/fhir/sid/icd-10`). */
  url: z.string().min(1),
  /** The edition; several versions of one URL may be loaded, the highest is the default. */
  version: z.string().min(1),
  /** A computer-friendly name. */
  name: z.string().min(1),
  title: z.string().optional(),
  /** The language of the displays (`vi`). */
  language: z.string().optional(),
  publisher: z.string().optional(),
  /** The URL of a value set of all its codes, expandable with `$expand`. */
  valueSet: z.string().min(1).optional(),
});

/** A code system given as data. */
export const codeSystemDefinitionSchema = codeSystemHeaderSchema.extend({ concepts: z.array(conceptSchema) }).strict();

/** Which columns of a CSV or XLSX code list hold what (header names, matched exactly after trimming). */
export const columnMappingSchema = z
  .object({
    code: z.string().min(1),
    display: z.string().min(1),
    /** Columns with the concept's name in other languages. */
    designations: z.array(z.object({ column: z.string().min(1), language: z.string().min(2) }).strict()).optional(),
    /** Property code to column: each non-empty cell becomes a string property. */
    properties: z.record(z.string(), z.string().min(1)).optional(),
    /** The first day the code is valid (YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY, or an Excel date). */
    effectiveFrom: z.string().min(1).optional(),
    /** The last day the code is valid. */
    effectiveTo: z.string().min(1).optional(),
  })
  .strict();

/** A code system loaded from a file: a CSV or XLSX code list with its column mapping, or a FHIR JSON CodeSystem. */
export const codeSystemFileSchema = z.discriminatedUnion('format', [
  codeSystemHeaderSchema
    .extend({
      format: z.literal('csv'),
      file: z.string().min(1),
      columns: columnMappingSchema,
      /** The field delimiter; default `,`. */
      delimiter: z.string().min(1).max(1).optional(),
    })
    .strict(),
  codeSystemHeaderSchema
    .extend({
      format: z.literal('xlsx'),
      file: z.string().min(1),
      columns: columnMappingSchema,
      /** The worksheet's name; default the first one. */
      sheet: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      format: z.literal('fhir-json'),
      file: z.string().min(1),
      /** Overrides the resource's id, for `/CodeSystem/{id}`. */
      id: id.optional(),
      valueSet: z.string().min(1).optional(),
    })
    .strict(),
]);

/** A part of a value set: codes of one code system (all, listed, or those with property values). */
export const valueSetIncludeSchema = z
  .object({
    system: z.string().min(1),
    /** A version of the code system; default its highest. */
    version: z.string().min(1).optional(),
    /** Only these codes. */
    concepts: z.array(z.string().min(1)).optional(),
    /** Only codes whose property equals the value (all filters must hold). */
    filter: z.array(z.object({ property: z.string().min(1), value: propertyValueSchema }).strict()).optional(),
  })
  .strict();

/** A value set given as data. */
export const valueSetDefinitionSchema = z
  .object({
    id,
    url: z.string().min(1),
    version: z.string().min(1),
    name: z.string().min(1),
    title: z.string().optional(),
    include: z.array(valueSetIncludeSchema).min(1),
    exclude: z.array(valueSetIncludeSchema).optional(),
  })
  .strict();

/** What a plugin (or a deployment's configuration) contributes: code systems as data or files, and value sets. */
export const terminologyContributionSchema = z
  .object({
    codeSystems: z.array(z.union([codeSystemDefinitionSchema, codeSystemFileSchema])).optional(),
    valueSets: z.array(valueSetDefinitionSchema).optional(),
  })
  .strict();

/** See {@link effectivePeriodSchema}. */
export type EffectivePeriod = z.output<typeof effectivePeriodSchema>;
/** See {@link designationSchema}. */
export type Designation = z.output<typeof designationSchema>;
/** See {@link propertyValueSchema}. */
export type PropertyValue = z.output<typeof propertyValueSchema>;
/** See {@link conceptSchema}. */
export type ConceptDefinition = z.output<typeof conceptSchema>;
/** See {@link codeSystemHeaderSchema}. */
export type CodeSystemHeader = z.output<typeof codeSystemHeaderSchema>;
/** See {@link codeSystemDefinitionSchema}. */
export type CodeSystemDefinition = z.output<typeof codeSystemDefinitionSchema>;
/** See {@link columnMappingSchema}. */
export type ColumnMapping = z.output<typeof columnMappingSchema>;
/** See {@link codeSystemFileSchema}. */
export type CodeSystemFile = z.output<typeof codeSystemFileSchema>;
/** See {@link valueSetIncludeSchema}. */
export type ValueSetInclude = z.output<typeof valueSetIncludeSchema>;
/** See {@link valueSetDefinitionSchema}. */
export type ValueSetDefinition = z.output<typeof valueSetDefinitionSchema>;
/** See {@link terminologyContributionSchema}. */
export type TerminologyContribution = z.output<typeof terminologyContributionSchema>;
