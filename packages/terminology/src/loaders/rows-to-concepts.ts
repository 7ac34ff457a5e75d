import type { ColumnMapping, ConceptDefinition, Designation, EffectivePeriod } from '../model/definitions.js';
import { parseCatalogueDate } from './dates.js';
import { TerminologyLoadError } from './load-error.js';

/** A cell as a loader read it: text, or a date from a spreadsheet's date cell. */
export type Cell = string | Date | undefined;

/** One data row of a code list, with the line (CSV) or row (XLSX) it came from. */
export interface CodeListRow {
  readonly line: number;
  readonly cells: ReadonlyMap<string, Cell>;
}

function mappedColumns(columns: ColumnMapping): string[] {
  return [
    columns.code,
    columns.display,
    ...(columns.designations ?? []).map((d) => d.column),
    ...Object.values(columns.properties ?? {}),
    ...(columns.effectiveFrom ? [columns.effectiveFrom] : []),
    ...(columns.effectiveTo ? [columns.effectiveTo] : []),
  ];
}

/** Refuses a header that lacks a mapped column, naming it and the columns the file has. */
export function checkHeader(file: string, header: readonly string[], columns: ColumnMapping, line = 1): void {
  const present = new Set(header);
  const missing = mappedColumns(columns).find((column) => !present.has(column));
  if (missing !== undefined) {
    throw new TerminologyLoadError(
      { file, line, column: missing },
      `the header has no such column (it has: ${header.join(', ')}); fix the file or the column mapping`,
    );
  }
}

function text(cell: Cell): string {
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  return (cell ?? '').trim();
}

function dateOf(file: string, row: CodeListRow, column: string | undefined): string | undefined {
  if (column === undefined) return undefined;
  const cell = row.cells.get(column);
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  const value = text(cell);
  if (value === '') return undefined;
  const date = parseCatalogueDate(value);
  if (date === undefined) {
    throw new TerminologyLoadError(
      { file, line: row.line, column },
      `'${value}' is not a date (write YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY)`,
    );
  }
  return date;
}

/**
 * Turns a code list's rows into concepts by the column mapping. Refuses an empty code or display, a code given
 * twice, a date that is not one, and a validity period that ends before it starts, naming the line and column.
 */
export function rowsToConcepts(file: string, rows: Iterable<CodeListRow>, columns: ColumnMapping): ConceptDefinition[] {
  const concepts: ConceptDefinition[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const code = text(row.cells.get(columns.code));
    if (code === '')
      throw new TerminologyLoadError({ file, line: row.line, column: columns.code }, 'the code is empty');
    const first = seen.get(code);
    if (first !== undefined) {
      throw new TerminologyLoadError(
        { file, line: row.line, column: columns.code },
        `the code '${code}' is already on line ${first}; a code appears once per version of a code list`,
      );
    }
    seen.set(code, row.line);
    const display = text(row.cells.get(columns.display));
    if (display === '') {
      throw new TerminologyLoadError(
        { file, line: row.line, column: columns.display },
        `the code '${code}' has no display`,
      );
    }
    const designations: Designation[] = (columns.designations ?? [])
      .map(({ column, language }) => ({ language, value: text(row.cells.get(column)) }))
      .filter((designation) => designation.value !== '');
    const properties = Object.fromEntries(
      Object.entries(columns.properties ?? {})
        .map(([property, column]) => [property, text(row.cells.get(column))] as const)
        .filter(([, value]) => value !== ''),
    );
    const from = dateOf(file, row, columns.effectiveFrom);
    const to = dateOf(file, row, columns.effectiveTo);
    if (from !== undefined && to !== undefined && to < from) {
      throw new TerminologyLoadError(
        { file, line: row.line, ...(columns.effectiveTo ? { column: columns.effectiveTo } : {}) },
        `the code '${code}' ends (${to}) before it starts (${from})`,
      );
    }
    const effective: EffectivePeriod = { ...(from ? { from } : {}), ...(to ? { to } : {}) };
    concepts.push({
      code,
      display,
      ...(designations.length > 0 ? { designations } : {}),
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      ...(from || to ? { effective } : {}),
    });
  }
  return concepts;
}
