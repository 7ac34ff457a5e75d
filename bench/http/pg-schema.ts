import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** A fresh schema on a PostgreSQL server: `url` connects with it as the search path. */
export interface Schema {
  readonly name: string;
  readonly url: string;
  /** `url` with an `application_name`, to find its connections in `pg_stat_activity`. */
  as(application: string): string;
  drop(): Promise<void>;
}

/** Creates a schema named `bench_http_<random>` on the server at `serverUrl`; `drop()` removes it. */
export async function createSchema(serverUrl: string): Promise<Schema> {
  const name = `bench_http_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${name}`);
  } finally {
    await admin.end();
  }
  const scoped = new URL(serverUrl);
  scoped.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: scoped.toString(),
    as(application) {
      const named = new URL(scoped);
      named.searchParams.set('application_name', application);
      return named.toString();
    },
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop schema ${name} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
