import { resolve } from 'node:path';
import type { CodeSystemDefinition, CodeSystemFile } from '../model/definitions.js';
import { loadCsvCodeList } from './load-csv.js';
import { loadFhirCodeSystem } from './load-fhir-json.js';
import { loadXlsxCodeList } from './load-xlsx.js';

/**
 * Loads a code system from the file a source names: CSV or XLSX by its column mapping, or a FHIR JSON
 * CodeSystem. A relative path is taken from `baseDir` (the working directory by default).
 */
export async function loadCodeSystemFile(
  source: CodeSystemFile,
  baseDir = process.cwd(),
): Promise<CodeSystemDefinition> {
  const path = resolve(baseDir, source.file);
  if (source.format === 'fhir-json') {
    const loaded = await loadFhirCodeSystem(path);
    return {
      ...loaded,
      ...(source.id ? { id: source.id } : {}),
      ...(source.valueSet ? { valueSet: source.valueSet } : {}),
    };
  }
  const { format: _format, file: _file, columns, ...header } = source;
  const concepts =
    source.format === 'csv'
      ? await loadCsvCodeList(path, { columns, ...(source.delimiter ? { delimiter: source.delimiter } : {}) })
      : await loadXlsxCodeList(path, { columns, ...(source.sheet ? { sheet: source.sheet } : {}) });
  const { delimiter: _d, sheet: _s, ...rest } = header as typeof header & { delimiter?: string; sheet?: string };
  return { ...rest, concepts };
}
