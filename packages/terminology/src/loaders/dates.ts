const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const VIETNAMESE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function calendarDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * A date as a catalogue writes it (`2024-01-15`, `20240115` as in BHYT files, `15/01/2024` as Vietnamese
 * documents do) as `YYYY-MM-DD`; undefined when it is not a real calendar date in one of these forms.
 */
export function parseCatalogueDate(text: string): string | undefined {
  const value = text.trim();
  const iso = ISO.exec(value) ?? COMPACT.exec(value);
  if (iso) return calendarDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const vn = VIETNAMESE.exec(value);
  if (vn) return calendarDate(Number(vn[3]), Number(vn[2]), Number(vn[1]));
  return undefined;
}

/** The day before or after a `YYYY-MM-DD` date. */
export function shiftDay(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}
