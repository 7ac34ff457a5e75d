import { z } from 'zod';
import { codeSystemFileSchema, valueSetDefinitionSchema } from '../model/definitions.js';
import { type BundledCodeSystem, bundledCodeSystems } from './bundled.js';

const bundledNames = Object.keys(bundledCodeSystems) as [BundledCodeSystem, ...BundledCodeSystem[]];

/** The configuration of the terminology plugin (`plugins.terminology`). */
export const terminologyConfigSchema = z
  .object({
    bundled: z
      .array(z.enum(bundledNames))
      .default(bundledNames)
      .describe(
        'The curated code lists shipped with the plugin to load: icd-10-vn, atc-common-drugs, loinc-common-lab (default all). Leave one out to load the full official list in its place.',
      ),
    codeSystems: z
      .array(codeSystemFileSchema)
      .default([])
      .describe(
        'Code lists the hospital provides, loaded at start: CSV or XLSX with a column mapping, or FHIR JSON CodeSystems; a relative file is taken from the working directory.',
      ),
    valueSets: z.array(valueSetDefinitionSchema).default([]).describe('Value sets over the loaded code systems.'),
    timeZone: z
      .string()
      .default('Asia/Ho_Chi_Minh')
      .describe('The time zone that decides what "today" is for a code validity check without a date.'),
    expansion: z
      .object({
        defaultCount: z.number().int().min(1).default(100).describe('Codes an $expand returns without count.'),
        maxCount: z.number().int().min(1).default(1000).describe('The most codes one $expand may return.'),
      })
      .strict()
      .prefault({})
      .describe('Paging of $expand over HTTP.'),
  })
  .strict();

/** See {@link terminologyConfigSchema}. */
export type TerminologyConfig = z.output<typeof terminologyConfigSchema>;
