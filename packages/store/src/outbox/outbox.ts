import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../sql/sql-client.js';

/** An event as its subscriber receives it. */
export interface OutboxEvent {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly createdAt: string;
  /** 1 on the first delivery, then 2, 3, ... */
  readonly attempt: number;
}

/** A delivery that failed every attempt. */
export interface DeadLetter {
  readonly subscriber: string;
  readonly event: Omit<OutboxEvent, 'attempt'>;
  readonly attempts: number;
  readonly lastError: string;
}

/** Options of {@link Outbox}. */
export interface OutboxOptions {
  /** Attempts before a delivery becomes a dead letter. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles with each attempt. */
  readonly backoffMs?: number;
  /** How long a claimed delivery is reserved for one process; after that another may retry it. */
  readonly leaseMs?: number;
  /** Deliveries claimed per round. */
  readonly batchSize?: number;
}

/** Handles one delivered event; throwing schedules a retry. */
export type OutboxHandler = (event: OutboxEvent) => Promise<void> | void;

/**
 * The transactional outbox. `publish` writes an event inside the caller's transaction, so it exists exactly
 * when the write it describes committed, with one delivery row per registered subscriber of its topic.
 * `dispatch` claims due deliveries with `FOR UPDATE SKIP LOCKED` and a lease, runs the handlers outside any
 * transaction, and records success, a retry with exponential backoff, or a dead letter. Several processes
 * may dispatch against one PostgreSQL: each delivery is claimed by one of them at a time.
 *
 * Delivery is at least once: a process that dies after a handler succeeded but before recording it leaves
 * the lease to expire, and the event is delivered again. Handlers must be idempotent (use `event.id`).
 * A subscriber receives the events published after it was first registered.
 */
export class Outbox {
  private readonly handlers = new Map<string, OutboxHandler>();
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly db: SqlClient,
    options: OutboxOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoffMs = options.backoffMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.batchSize = options.batchSize ?? 50;
  }

  /**
   * The SQL that writes an event and its deliveries, as `with` clauses for another statement to include, so
   * a write and its event are one atomic statement. `$id`, `$topic` and `$payload` are parameter numbers.
   */
  static eventClauses(id: number, topic: number, payload: number): string {
    return `outbox_event as (
        insert into mekong_outbox (event_id, topic, payload) values ($${id}, $${topic}, $${payload}::jsonb) returning seq
      ), outbox_delivery as (
        insert into mekong_outbox_delivery (subscriber, event_seq)
        select s.name, outbox_event.seq from mekong_outbox_subscriber s, outbox_event where $${topic} = any (s.topics)
      )`;
  }

  /** Writes an event within `tx` (the transaction of the change it announces). */
  static async publish(tx: SqlClient, topic: string, payload: unknown): Promise<string> {
    const id = randomUUID();
    await tx.query(`with ${Outbox.eventClauses(1, 2, 3)} select 1`, [id, topic, JSON.stringify(payload)]);
    return id;
  }

  /** Registers (durably) a subscriber of some topics, and its handler in this process. */
  async subscribe(name: string, topics: readonly string[], handler: OutboxHandler): Promise<void> {
    await this.db.query(
      `insert into mekong_outbox_subscriber (name, topics) values ($1, $2)
       on conflict (name) do update set topics = excluded.topics`,
      [name, topics],
    );
    this.handlers.set(name, handler);
  }

  /** Delivers due events to this process's subscribers once; resolves with the number of deliveries tried. */
  async dispatch(): Promise<number> {
    let tried = 0;
    for (const [subscriber, handler] of this.handlers) {
      const claimed = await this.claim(subscriber);
      for (const delivery of claimed) {
        tried++;
        try {
          await handler(delivery.event);
          await this.db.query(
            'update mekong_outbox_delivery set delivered_at = now(), lease_until = null where subscriber = $1 and event_seq = $2',
            [subscriber, delivery.seq],
          );
        } catch (error) {
          await this.failed(subscriber, delivery.seq, delivery.event.attempt, error);
        }
      }
    }
    return tried;
  }

  /** Deliveries that failed every attempt. */
  async deadLetters(): Promise<DeadLetter[]> {
    const { rows } = await this.db.query<{
      subscriber: string;
      event_id: string;
      topic: string;
      payload: unknown;
      created_at: Date | string;
      attempts: number;
      last_error: string;
    }>(
      `select d.subscriber, o.event_id, o.topic, o.payload, o.created_at, d.attempts, d.last_error
       from mekong_outbox_delivery d join mekong_outbox o on o.seq = d.event_seq
       where d.dead_at is not null order by o.seq`,
    );
    return rows.map((r) => ({
      subscriber: r.subscriber,
      event: { id: r.event_id, topic: r.topic, payload: r.payload, createdAt: new Date(r.created_at).toISOString() },
      attempts: r.attempts,
      lastError: r.last_error,
    }));
  }

  private async claim(subscriber: string) {
    const { rows } = await this.db.query<{
      event_seq: string;
      attempts: number;
      event_id: string;
      topic: string;
      payload: unknown;
      created_at: Date | string;
    }>(
      `with due as (
         select subscriber, event_seq from mekong_outbox_delivery
         where subscriber = $1 and delivered_at is null and dead_at is null and next_attempt_at <= now()
           and (lease_until is null or lease_until < now())
         order by event_seq
         limit $2
         for update skip locked
       )
       update mekong_outbox_delivery d
       set attempts = d.attempts + 1, lease_until = now() + ($3 || ' milliseconds')::interval
       from due, mekong_outbox o
       where d.subscriber = due.subscriber and d.event_seq = due.event_seq and o.seq = d.event_seq
       returning d.event_seq::text as event_seq, d.attempts, o.event_id, o.topic, o.payload, o.created_at`,
      [subscriber, this.batchSize, String(this.leaseMs)],
    );
    return rows
      .sort((a, b) => Number(a.event_seq) - Number(b.event_seq))
      .map((r) => ({
        seq: r.event_seq,
        event: {
          id: r.event_id,
          topic: r.topic,
          payload: r.payload,
          createdAt: new Date(r.created_at).toISOString(),
          attempt: r.attempts,
        },
      }));
  }

  private async failed(subscriber: string, seq: string, attempt: number, error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
    const dead = attempt >= this.maxAttempts;
    await this.db.query(
      `update mekong_outbox_delivery
       set lease_until = null, last_error = $3,
           dead_at = case when $4 then now() else null end,
           next_attempt_at = now() + ($5 || ' milliseconds')::interval
       where subscriber = $1 and event_seq = $2`,
      [subscriber, seq, message, dead, String(this.backoffMs * 2 ** (attempt - 1))],
    );
  }
}
