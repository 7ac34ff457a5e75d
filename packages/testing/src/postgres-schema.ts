import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server tests use: `MEKONG_TEST_DATABASE_URL`, else the local server with trust authentication
 * (`postgres://postgres@127.0.0.1:5432/test`).
 */
export const testPostgresUrl: string =
  process.env.MEKONG_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own on a PostgreSQL server, for one test or test file (see {@link createPostgresSchema}). */
export interface PostgresSchema {
  /** Its name: `<prefix>_<random>`. */
  readonly name: string;
  /** The server's URL with the schema as the search path: what a store or a child process connects with. */
  readonly url: string;
  /** Runs SQL as the connection that made the schema (outside it: qualify names with {@link name}). */
  query(sql: string, params?: readonly unknown[]): Promise<unknown[]>;
  /** Drops the schema and everything in it, and closes the connection. */
  drop(): Promise<void>;
}

/**
 * Creates an empty schema on the PostgreSQL server at `serverUrl` (default {@link testPostgresUrl}), so that
 * test files running at once never see each other's tables. Drop it when done (`afterAll(schema.drop)`).
 */
export async function createPostgresSchema(prefix = 'test', serverUrl = testPostgresUrl): Promise<PostgresSchema> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${name}`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    async query(sql, params = []) {
      return (await admin.query(sql, params as unknown[])).rows;
    },
    async drop() {
      try {
        await admin.query(`drop schema ${name} cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}
