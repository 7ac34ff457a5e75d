import { performance } from 'node:perf_hooks';

/** Where a PostgreSQL pool reports an outage: once when the database is lost, once when it is back. */
export interface ConnectionLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/**
 * Turns the failures of many connections into one outage: the first failure opens it (logged once), a statement
 * that started after it and succeeded closes it (logged once, with how long it lasted and how many failures
 * it saw). Failures of statements that started before an outage closed belong to it and open no new one.
 */
export class OutageMonitor {
  private openedAt: number | undefined;
  private closedAt = Number.NEGATIVE_INFINITY;
  private failures = 0;

  constructor(private readonly log: ConnectionLog | undefined) {}

  /** Now, for {@link failed} and {@link succeeded}: when a statement or connection attempt started. */
  static now(): number {
    return performance.now();
  }

  failed(error: unknown, startedAt = OutageMonitor.now()): void {
    if (this.openedAt !== undefined || startedAt < this.closedAt) {
      this.failures++;
      return;
    }
    this.openedAt = OutageMonitor.now();
    this.failures = 1;
    this.log?.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'lost the connection to PostgreSQL: requests that need the database are answered 503 until it is back',
    );
  }

  succeeded(startedAt: number): void {
    if (this.openedAt === undefined || startedAt < this.openedAt) return;
    this.log?.info(
      { downMs: Math.round(OutageMonitor.now() - this.openedAt), failures: this.failures },
      'PostgreSQL is reachable again',
    );
    this.openedAt = undefined;
    this.closedAt = OutageMonitor.now();
  }
}
