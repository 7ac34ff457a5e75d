import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { MekongError } from '../errors/mekong-error.js';
import { validationIssues } from '../errors/zod-issues.js';
import { getOrCreate } from '../util/get-or-create.js';
import type { ClockService } from './clock.js';

/** A typed domain event: its name and, optionally, a zod schema its payload is checked against. */
export interface EventType<T> {
  readonly $$type: '@mekong/EventType';
  /** `<owner-plugin-id>.<noun>.<past tense>`: `lab.result.finalized`, `pharmacy.medication.dispensed`. */
  readonly type: string;
  readonly schema: z.ZodType<T> | undefined;
}

/** Declares a domain event type. Export it from the publishing plugin's public entry point. */
export function createEventType<T>(options: { type: string; schema?: z.ZodType<T> }): EventType<T> {
  return Object.freeze({ $$type: '@mekong/EventType' as const, type: options.type, schema: options.schema });
}

/** An event as a subscriber receives it. */
export interface DomainEvent<T> {
  /** Unique per published event; the same on every redelivery, so handlers can de-duplicate. */
  readonly id: string;
  readonly type: string;
  /** The plugin that published it. */
  readonly source: string;
  /** ISO instant from the clock service. */
  readonly occurredAt: string;
  readonly payload: T;
  /** 1 on first delivery, then 2, 3, ... */
  readonly attempt: number;
}

/** A delivery that failed every attempt. */
export interface DeadLetter {
  readonly event: DomainEvent<unknown>;
  readonly subscriber: string;
  readonly error: string;
}

/**
 * Typed domain events. Delivery is at least once: a handler may see an event more than once (after a
 * failure and retry), so handlers must be idempotent (use `event.id`). Publication returns once the event
 * is queued; handlers run asynchronously with retries and exponential backoff; an event that fails every
 * attempt becomes a dead letter. This in-process bus lives as long as the process; the store's
 * transactional outbox makes events durable across crashes and processes.
 */
export interface EventsService {
  publish<T>(event: EventType<T>, payload: T): Promise<DomainEvent<T>>;
  /** Returns a function that unsubscribes. `name` identifies the subscriber in logs and dead letters. */
  subscribe<T>(
    event: EventType<T>,
    handler: (event: DomainEvent<T>) => void | Promise<void>,
    options?: { name?: string },
  ): () => void;
}

interface Subscriber {
  readonly name: string;
  readonly handler: (event: DomainEvent<unknown>) => void | Promise<void>;
}

/** Options of the in-process bus, from `kernel.events` in the host config. */
export interface EventBusOptions {
  readonly maxAttempts: number;
  readonly backoffMs: number;
}

/** The in-process event bus behind `coreServices.events`: one per host, shared by every plugin. */
export class EventBus {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dead: DeadLetter[] = [];
  private closed = false;

  constructor(
    private readonly options: EventBusOptions,
    private readonly clock: ClockService,
    private readonly log: Logger,
  ) {}

  /** The service a plugin sees: it publishes under its own id. */
  forPlugin(pluginId: string): EventsService {
    return {
      publish: (event, payload) => this.publish(pluginId, event, payload),
      subscribe: (event, handler, options) =>
        this.subscribe(event, handler as Subscriber['handler'], options?.name ?? `${pluginId}#${event.type}`),
    };
  }

  /** Events that failed every delivery attempt, oldest first. */
  deadLetters(): readonly DeadLetter[] {
    return [...this.dead];
  }

  async publish<T>(source: string, event: EventType<T>, payload: T): Promise<DomainEvent<T>> {
    if (this.closed) {
      throw new MekongError({
        code: 'EVENTS_CLOSED',
        pluginId: source,
        message: `cannot publish '${event.type}': the host is stopping`,
        hint: 'publish from init, start hooks or request handlers, not from shutdown hooks',
      });
    }
    const checked = event.schema ? this.validate(source, event, payload) : payload;
    const domainEvent: DomainEvent<T> = {
      id: randomUUID(),
      type: event.type,
      source,
      occurredAt: this.clock.now().toISOString(),
      payload: checked,
      attempt: 1,
    };
    for (const subscriber of this.subscribers.get(event.type) ?? []) {
      this.deliver(subscriber, domainEvent as DomainEvent<unknown>, 1);
    }
    return domainEvent;
  }

  subscribe(event: EventType<unknown>, handler: Subscriber['handler'], name: string): () => void {
    const subscriber: Subscriber = { name, handler };
    const set = getOrCreate(this.subscribers, event.type, () => new Set<Subscriber>());
    set.add(subscriber);
    return () => set.delete(subscriber);
  }

  /** Stops accepting events, cancels pending retries and waits for running handlers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private validate<T>(source: string, event: EventType<T>, payload: T): T {
    const result = (event.schema as z.ZodType<T>).safeParse(payload);
    if (result.success) return result.data;
    const issues = validationIssues(result.error)
      .map((i) => `${i.path || '<payload>'}: ${i.message}`)
      .join('; ');
    throw new MekongError({
      code: 'EVENT_PAYLOAD_INVALID',
      pluginId: source,
      message: `payload of '${event.type}' is invalid: ${issues}`,
      hint: `publish a payload that matches the schema of '${event.type}'`,
    });
  }

  private deliver(subscriber: Subscriber, event: DomainEvent<unknown>, attempt: number): void {
    const run = (async () => {
      try {
        await subscriber.handler({ ...event, attempt });
      } catch (error) {
        this.failed(subscriber, event, attempt, error);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private failed(subscriber: Subscriber, event: DomainEvent<unknown>, attempt: number, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (attempt >= this.options.maxAttempts || this.closed) {
      this.dead.push({ event, subscriber: subscriber.name, error: message });
      this.log.error(
        { eventId: event.id, type: event.type, subscriber: subscriber.name, attempt, err: message },
        'event delivery failed on every attempt; recorded as a dead letter',
      );
      return;
    }
    const delay = this.options.backoffMs * 2 ** (attempt - 1);
    this.log.warn(
      { eventId: event.id, type: event.type, subscriber: subscriber.name, attempt, retryInMs: delay, err: message },
      'event handler failed; retrying',
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(subscriber, event, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }
}
