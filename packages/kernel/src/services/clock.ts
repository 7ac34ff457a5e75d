/** The current time. Everything that stamps a time asks the clock, so tests can fix it. */
export interface ClockService {
  now(): Date;
}

/** The system clock. */
export const systemClock: ClockService = { now: () => new Date() };
