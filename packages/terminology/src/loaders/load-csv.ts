import { readFile } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse/sync';
import type { ColumnMapping, ConceptDefinition } from '../model/definitions.js';
import { TerminologyLoadError } from './load-error.js';
import { type CodeListRow, checkHeader, rowsToConcepts } from './rows-to-concepts.js';

/** Options of {@link parseCsvCodeList}. */
export interface CsvOptions {
  readonly columns: ColumnMapping;
  /** The field delimiter; default `,`. */
  readonly delimiter?: string;
}

/**
 * Reads a CSV code list (UTF-8, a header row, one code per row; a BOM is allowed). Cells stay text, so codes
 * keep their leading zeros. Refuses malformed CSV and bad rows with an error naming the file, line and column.
 */
export function parseCsvCodeList(file: string, content: string, options: CsvOptions): ConceptDefinition[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(content, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      delimiter: options.delimiter ?? ',',
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new TerminologyLoadError(
        { file, ...(line !== undefined ? { line } : {}) },
        `not valid CSV: ${error.message}`,
      );
    }
    throw error;
  }
  const [head, ...body] = records;
  if (head === undefined) throw new TerminologyLoadError({ file }, 'the file is empty: a header row is needed');
  const header = head.record.map((name) => name.trim());
  checkHeader(file, header, options.columns, head.info.lines);
  const rows: CodeListRow[] = body.map(({ record, info }) => ({
    line: info.lines,
    cells: new Map(header.map((name, i) => [name, record[i]])),
  }));
  return rowsToConcepts(file, rows, options.columns);
}

/** Reads a CSV code list from a file; see {@link parseCsvCodeList}. */
export async function loadCsvCodeList(file: string, options: CsvOptions): Promise<ConceptDefinition[]> {
  return parseCsvCodeList(file, await readFile(file, 'utf8'), options);
}
