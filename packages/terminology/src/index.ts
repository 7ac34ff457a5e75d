/**
 * The Mekong terminology service: code systems and value sets loaded from the data files a plugin ships or a
 * hospital provides (CSV, XLSX, FHIR JSON), answered from memory: `$lookup`, `$validate-code` and `$expand`
 * over HTTP, and {@link terminologyServiceRef} for plugin code.
 *
 * @packageDocumentation
 */
export { Bitset } from './index/bitset.js';
export { CodeSystemIndex } from './index/code-system-index.js';
export { parseCatalogueDate } from './loaders/dates.js';
export { loadCodeSystemFile } from './loaders/load-code-system.js';
export { type CsvOptions, loadCsvCodeList, parseCsvCodeList } from './loaders/load-csv.js';
export type { LoadErrorPlace } from './loaders/load-error.js';
export { TerminologyLoadError } from './loaders/load-error.js';
export { loadFhirCodeSystem, parseFhirCodeSystem } from './loaders/load-fhir-json.js';
export { loadXlsxCodeList, type XlsxOptions } from './loaders/load-xlsx.js';
export type { Cell, CodeListRow } from './loaders/rows-to-concepts.js';
export * from './model/definitions.js';
export { foldedTokens } from './model/fold.js';
export type { ExpansionLimits } from './operations/expand.js';
export * from './plugin/bundled.js';
export { type TerminologyConfig, terminologyConfigSchema } from './plugin/config.js';
export {
  terminologyCodeSystemsExtensionPoint,
  terminologyPlugin,
  terminologyServiceRef,
} from './plugin/terminology-plugin.js';
export {
  displayIn,
  InMemoryTerminology,
  type InMemoryTerminologyOptions,
  validOn,
} from './service/in-memory-terminology.js';
export { TerminologyError } from './service/terminology-error.js';
export type * from './service/types.js';
