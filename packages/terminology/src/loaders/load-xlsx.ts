import ExcelJS from 'exceljs';
import type { ColumnMapping, ConceptDefinition } from '../model/definitions.js';
import { TerminologyLoadError } from './load-error.js';
import { type Cell, type CodeListRow, checkHeader, rowsToConcepts } from './rows-to-concepts.js';

/** Options of {@link loadXlsxCodeList}. */
export interface XlsxOptions {
  readonly columns: ColumnMapping;
  /** The worksheet's name; default the first one. */
  readonly sheet?: string;
}

function cellValue(file: string, row: number, column: string, value: ExcelJS.CellValue, isCode: boolean): Cell {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    // Excel drops leading zeros of numbers: 01001 typed in a number cell is 1001, and cannot be told apart.
    if (isCode) {
      throw new TerminologyLoadError(
        { file, line: row, column },
        `the code ${value} is stored as a number, so any leading zero is lost; format the column as Text and retype it`,
      );
    }
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('result' in value) return cellValue(file, row, column, value.result as ExcelJS.CellValue, isCode);
  if ('error' in value) {
    throw new TerminologyLoadError({ file, line: row, column }, `the cell holds the error ${value.error}`);
  }
  return undefined;
}

/**
 * Reads an XLSX code list: the header in the first row of the sheet, one code per row below. A code typed in a
 * number cell is refused (its leading zeros are gone); date cells are read as dates. Errors name the file,
 * row and column.
 */
export async function loadXlsxCodeList(file: string, options: XlsxOptions): Promise<ConceptDefinition[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(file);
  } catch (error) {
    throw new TerminologyLoadError({ file }, `not a readable XLSX workbook: ${(error as Error).message}`);
  }
  const sheet = options.sheet === undefined ? workbook.worksheets[0] : workbook.getWorksheet(options.sheet);
  if (!sheet) {
    const names = workbook.worksheets.map((ws) => ws.name).join(', ') || 'none';
    throw new TerminologyLoadError(
      { file },
      `no worksheet '${options.sheet ?? '(first)'}' (the workbook has: ${names})`,
    );
  }
  const headerRow = sheet.getRow(1);
  const header: string[] = [];
  headerRow.eachCell({ includeEmpty: true }, (cell, column) => {
    header[column - 1] = String(cellValue(file, 1, `#${column}`, cell.value, false) ?? '').trim();
  });
  checkHeader(file, header, options.columns);
  const rows: CodeListRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (number === 1) return;
    const cells = new Map<string, Cell>();
    header.forEach((name, i) => {
      if (name !== '')
        cells.set(name, cellValue(file, number, name, row.getCell(i + 1).value, name === options.columns.code));
    });
    if ([...cells.values()].every((cell) => cell === undefined || cell === '')) return;
    rows.push({ line: number, cells });
  });
  return rowsToConcepts(file, rows, options.columns);
}
