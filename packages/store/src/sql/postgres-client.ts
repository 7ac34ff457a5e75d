import pg from 'pg';
import type { QueryOptions, QueryResult, SqlClient } from './sql-client.js';

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

/** Connects to a PostgreSQL server through a `pg` connection pool. */
export function connectPostgres(options: {
  connectionString: string;
  max?: number;
  /**
   * False: each connection commits asynchronously (`synchronous_commit = off`): a commit returns before its
   * WAL is flushed to disk, which the server does within `3 × wal_writer_delay` (600 ms by default). A crash
   * of the database server may lose what was committed in that time; nothing is ever half written.
   */
  synchronousCommit?: boolean;
}): SqlClient {
  let connectionString = options.connectionString;
  if (options.synchronousCommit === false) {
    // A setting of each session, next to any the URL sets (such as a search_path).
    const url = new URL(connectionString);
    url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} -c synchronous_commit=off`.trim());
    connectionString = url.toString();
  }
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  return poolClient(pool);
}

function poolClient(pool: pg.Pool): SqlClient {
  return {
    backend: 'postgres',
    async query<R>(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> {
      const run = () => pool.query(queryConfig(text, params, options));
      const result = await run().catch((error: unknown) => {
        if (isStalePlan(error, options, text)) return run();
        throw error;
      });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(script: string): Promise<void> {
      await pool.query(script);
    },
    async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      try {
        await connection.query('begin');
        const result = await work(connectionClient(connection));
        await connection.query('commit');
        return result;
      } catch (error) {
        await connection.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}

function connectionClient(connection: pg.PoolClient): SqlClient {
  return {
    backend: 'postgres',
    async query<R>(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> {
      const result = await connection.query(queryConfig(text, params, options)).catch((error: unknown) => {
        isStalePlan(error, options, text);
        throw error;
      });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(script: string): Promise<void> {
      await connection.query(script);
    },
    transaction: (work) => work(connectionClient(connection)),
    close: async () => undefined,
  };
}
