import pg from 'pg';
import type { QueryResult, SqlClient } from './sql-client.js';

/** Connects to a PostgreSQL server through a `pg` connection pool. */
export function connectPostgres(options: { connectionString: string; max?: number }): SqlClient {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  return poolClient(pool);
}

function poolClient(pool: pg.Pool): SqlClient {
  return {
    backend: 'postgres',
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await pool.query(text, params as unknown[]);
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
    async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await connection.query(text, params as unknown[]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(script: string): Promise<void> {
      await connection.query(script);
    },
    transaction: (work) => work(connectionClient(connection)),
    close: async () => undefined,
  };
}
