/** A half-open instant range [low, high) in milliseconds since the epoch. */
export interface DateRange {
  readonly low: number;
  readonly high: number;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range a FHIR date, dateTime or instant covers at its precision: "2024" is the whole year, "2024-05-10" the
 * day, "2024-05-10T08:30:00+07:00" the second. Dates without a time zone are taken as UTC.
 */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  // The pattern admits 2026-13 or 2026-02-30; the calendar does not.
  const days = mo === undefined ? 31 : new Date(Date.UTC(year, Number(mo), 0)).getUTCDate();
  if (mo !== undefined && (Number(mo) < 1 || Number(mo) > 12)) return undefined;
  if (d !== undefined && (Number(d) < 1 || Number(d) > days)) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return undefined;
  if (zone && zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(4, 6)) > 59)) return undefined;
  if (mo === undefined) return { low: Date.UTC(year, 0, 1), high: Date.UTC(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (d === undefined) return { low: Date.UTC(year, month, 1), high: Date.UTC(year, month + 1, 1) };
  const day = Number(d);
  if (h === undefined) return { low: Date.UTC(year, month, day), high: Date.UTC(year, month, day + 1) };
  const offset =
    !zone || zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const low = Date.UTC(year, month, day, Number(h), Number(mi), Number(s ?? 0)) - offset * 60_000;
  const precision = s === undefined ? 60_000 : fraction ? 1 : 1_000;
  return {
    low: low + (fraction ? Math.floor(Number(fraction) * 1000) : 0),
    high: low + (fraction ? Math.floor(Number(fraction) * 1000) + 1 : precision),
  };
}
