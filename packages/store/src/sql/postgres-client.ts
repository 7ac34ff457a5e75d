import pg from 'pg';
import { DatabaseUnavailableError, isCancelled, isConnectionFailure } from './database-unavailable.js';
import { type ConnectionLog, OutageMonitor } from './outage-monitor.js';
import type { QueryOptions, QueryResult, SqlClient } from './sql-client.js';
import { statementSignal } from './statement-scope.js';

// Names of prepared statements by text: the same text is the same statement on every connection.
const statementNames = new Map<string, string>();
let statements = 0;

function queryConfig(text: string, params: readonly unknown[], options: QueryOptions | undefined): pg.QueryConfig {
  if (!options?.prepared) return { text, values: params as unknown[] };
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `mekong_${++statements}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params as unknown[] };
}

/**
 * A prepared statement whose result columns changed type under it (a migration ran while the server was
 * up): PostgreSQL refuses to run it again on the connections that prepared it. The text gets a new name,
 * which every connection prepares afresh, and the call is retried once (outside a transaction; inside, the
 * transaction is aborted and fails, and its retry finds the new name).
 */
function isStalePlan(error: unknown, options: QueryOptions | undefined, text: string): boolean {
  if (!options?.prepared || (error as { code?: string }).code !== '0A000') return false;
  if (!/cached plan must not change result type/.test((error as Error).message)) return false;
  statementNames.delete(text);
  return true;
}

/** Options of {@link connectPostgres}. */
export interface PostgresOptions {
  readonly connectionString: string;
  /** Most connections open at once (default 10). */
  readonly max?: number;
  /**
   * False: each connection commits asynchronously (`synchronous_commit = off`): a commit returns before its
   * WAL is flushed to disk, which the server does within `3 × wal_writer_delay` (600 ms by default). A crash
   * of the database server may lose what was committed in that time; nothing is ever half written.
   */
  readonly synchronousCommit?: boolean;
  /**
   * How long a statement waits for a connection, a free one from the pool or a new one (default 10,000 ms);
   * then it fails with a {@link DatabaseUnavailableError}.
   */
  readonly connectTimeoutMs?: number;
  /** Where a lost database and its return are reported, once each per outage. */
  readonly log?: ConnectionLog;
}

/**
 * Connects to a PostgreSQL server through a `pg` connection pool. A lost connection or an unreachable server
 * never ends the process: the statements it affects fail with a {@link DatabaseUnavailableError}, and the pool
 * connects again when the next statement needs a connection.
 */
export function connectPostgres(options: PostgresOptions): SqlClient {
  let connectionString = options.connectionString;
  if (options.synchronousCommit === false) {
    // A setting of each session, next to any the URL sets (such as a search_path).
    const url = new URL(connectionString);
    url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} -c synchronous_commit=off`.trim());
    connectionString = url.toString();
  }
  const max = options.max ?? 10;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
  const outage = new OutageMonitor(options.log);
  // Without listeners, a connection that dies (a database restart, pg_terminate_backend, a proxy closing idle
  // connections) emits an 'error' nobody handles, and Node.js ends the process.
  pool.on('error', (error) => outage.failed(error));
  pool.on('connect', (client) => client.on('error', (error) => outage.failed(error)));
  return poolClient(new Connections(pool, outage, connectionString, { max, connectTimeoutMs }, options.log));
}

/** When a statement may be cancelled by its caller's signal ((`cancelStatementsOn`)). */
type Cancellation =
  /** Refused once the signal aborted, cancelled while it runs. */
  | 'cancellable'
  /** Refused once the signal aborted, never cancelled once sent (a commit). */
  | 'refused-after-abort'
  /** Always runs (a rollback). */
  | 'never';

/** The pool, its outage monitor, and what turns `pg`'s errors into the store's. */
class Connections {
  constructor(
    readonly pool: pg.Pool,
    private readonly outage: OutageMonitor,
    private readonly connectionString: string,
    private readonly limits: { readonly max: number; readonly connectTimeoutMs: number },
    private readonly log: ConnectionLog | undefined,
  ) {}

  async checkout(): Promise<pg.PoolClient> {
    const startedAt = OutageMonitor.now();
    try {
      return await this.pool.connect();
    } catch (error) {
      if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) {
        // Every connection stayed busy: a full pool, not a lost database.
        const { max, connectTimeoutMs } = this.limits;
        throw new DatabaseUnavailableError(
          'busy',
          new Error(`all ${max} connections stayed busy for ${connectTimeoutMs} ms`),
          false,
        );
      }
      throw this.failure(error, startedAt, 'connecting');
    }
  }

  /**
   * Runs one statement on a checked-out connection. `failedWrite`: what a failure means for a write in it,
   * 'unknown' when it may have been committed.
   */
  async run(
    connection: pg.PoolClient,
    config: pg.QueryConfig,
    cancellation: Cancellation,
    failedWrite: 'unknown' | 'not-written',
  ): Promise<pg.QueryResult> {
    const signal = cancellation === 'never' ? undefined : statementSignal();
    if (signal?.aborted) throw new DatabaseUnavailableError('cancelled', signal.reason, false);
    let cancelling: Promise<void> | undefined;
    const cancel = () => {
      cancelling = this.cancel((connection as unknown as { processID: number }).processID);
    };
    if (cancellation === 'cancellable') signal?.addEventListener('abort', cancel, { once: true });
    const startedAt = OutageMonitor.now();
    try {
      const result = await connection.query(config);
      this.outage.succeeded(startedAt);
      return result;
    } catch (error) {
      throw this.failure(error, startedAt, failedWrite);
    } finally {
      signal?.removeEventListener('abort', cancel);
      // The connection goes back to the pool only once its cancel is done: a late cancel must not hit the
      // statement of whoever takes the connection next.
      if (cancelling) await cancelling;
    }
  }

  /** `pg`'s error as the store's: a lost connection or a cancel becomes a {@link DatabaseUnavailableError}. */
  private failure(error: unknown, startedAt: number, write: 'connecting' | 'unknown' | 'not-written'): unknown {
    const outcomeUnknown = write === 'unknown';
    if (isCancelled(error)) return new DatabaseUnavailableError('cancelled', error, outcomeUnknown);
    if (!isConnectionFailure(error)) return error;
    this.outage.failed(error, startedAt);
    return write === 'connecting'
      ? new DatabaseUnavailableError('unreachable', error, false)
      : new DatabaseUnavailableError('connection-lost', error, outcomeUnknown);
  }

  /** Cancels what a backend runs, from a connection of its own (the pool's may all be busy). */
  private async cancel(processId: number): Promise<void> {
    const canceller = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 2000 });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('select pg_cancel_backend($1)', [processId]);
    } catch (error) {
      this.log?.warn(
        { err: error instanceof Error ? error.message : String(error), pid: processId },
        'could not cancel the statement of a request that ran out of time: it runs until it ends',
      );
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }
}

/** A connection whose error means it can no longer be used: the pool closes it instead of reusing it. */
function brokenBy(error: unknown): Error | undefined {
  return error instanceof DatabaseUnavailableError && error.reason !== 'cancelled' ? error : undefined;
}

function poolClient(connections: Connections): SqlClient {
  async function query<R>(
    text: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    const run = async () => {
      const connection = await connections.checkout();
      let broken: Error | undefined;
      try {
        return await connections.run(connection, queryConfig(text, params, options), 'cancellable', 'unknown');
      } catch (error) {
        broken = brokenBy(error);
        throw error;
      } finally {
        connection.release(broken);
      }
    };
    const result = await run().catch((error: unknown) => {
      if (isStalePlan(error, options, text)) return run();
      throw error;
    });
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }
  return {
    backend: 'postgres',
    query,
    async exec(script: string): Promise<void> {
      await query(script);
    },
    async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      const connection = await connections.checkout();
      let broken: Error | undefined;
      try {
        // A connection lost before the commit rolls the transaction back: only a failed commit leaves the
        // outcome unknown.
        await connections.run(connection, { text: 'begin' }, 'cancellable', 'not-written');
        const result = await work(connectionClient(connections, connection));
        await connections.run(connection, { text: 'commit' }, 'refused-after-abort', 'unknown');
        return result;
      } catch (error) {
        broken = brokenBy(error);
        if (!broken) {
          await connections.run(connection, { text: 'rollback' }, 'never', 'not-written').catch((failed: unknown) => {
            broken = failed instanceof Error ? failed : new Error(String(failed));
          });
        }
        throw error;
      } finally {
        connection.release(broken);
      }
    },
    close: () => connections.pool.end(),
  };
}

function connectionClient(connections: Connections, connection: pg.PoolClient): SqlClient {
  async function query<R>(
    text: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    const result = await connections
      .run(connection, queryConfig(text, params, options), 'cancellable', 'not-written')
      .catch((error: unknown) => {
        isStalePlan(error, options, text);
        throw error;
      });
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }
  const client: SqlClient = {
    backend: 'postgres',
    query,
    async exec(script: string): Promise<void> {
      await query(script);
    },
    transaction: (work) => work(client),
    close: async () => undefined,
  };
  return client;
}
