import { type ClockService, coreServices, createServiceFactory, type ServiceFactory } from '@mekong/kernel';
import { pino } from 'pino';

/** A clock that moves only when told to. */
export interface ManualClock extends ClockService {
  /** Moves the clock forward. */
  advance(ms: number): void;
  set(date: Date): void;
}

/** Creates a manual clock starting at `start`. */
export function createManualClock(start: Date | string): ManualClock {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    set: (date) => {
      now = date.getTime();
    },
  };
}

/** A captured log line, parsed. */
export interface CapturedLog {
  readonly level: number;
  readonly msg: string;
  readonly plugin?: string;
  readonly [field: string]: unknown;
}

/** Ready-made replacements of core services for tests. */
export const testServices = {
  /** Replaces `coreServices.clock`. */
  clock(clock: ClockService): ServiceFactory {
    return createServiceFactory({ service: coreServices.clock, factory: () => clock }) as ServiceFactory;
  },
  /** Replaces the root logger with one that keeps every line (at `level` and above) in `lines`. */
  capturingLogger(level: pino.LevelWithSilent = 'debug'): { factory: ServiceFactory; lines: CapturedLog[] } {
    const lines: CapturedLog[] = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as CapturedLog) };
    const factory = createServiceFactory({
      service: coreServices.rootLogger,
      factory: () => pino({ name: 'mekong', level }, destination),
    }) as ServiceFactory;
    return { factory, lines };
  },
};
