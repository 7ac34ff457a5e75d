/** Where in a file a problem is. */
export interface LoadErrorPlace {
  /** The file, as configured. */
  readonly file: string;
  /** The 1-based line (CSV, JSON) or row (XLSX). */
  readonly line?: number;
  /** The column's header name, or a JSON path. */
  readonly column?: string;
}

/** A code list that cannot be loaded: the message names the file, the line or row, and the column. */
export class TerminologyLoadError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: string | undefined;

  constructor(place: LoadErrorPlace, problem: string) {
    const where = [
      place.file,
      place.line !== undefined ? `line ${place.line}` : undefined,
      place.column !== undefined ? `column '${place.column}'` : undefined,
    ].filter((part) => part !== undefined);
    super(`${where.join(', ')}: ${problem}`);
    this.name = 'TerminologyLoadError';
    this.file = place.file;
    this.line = place.line;
    this.column = place.column;
  }
}
