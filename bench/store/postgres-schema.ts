import { randomUUID } from 'node:crypto';
import { connectPostgres, type SqlClient } from '@mekong/store';

/** Runs `work` on a fresh schema of the PostgreSQL server at `url`, dropped afterwards. */
export async function withPostgresSchema<T>(url: string, work: (db: SqlClient) => Promise<T>): Promise<T> {
  const schema = `bench_${randomUUID().replaceAll('-', '')}`;
  const admin = connectPostgres({ connectionString: url, max: 1 });
  await admin.query(`create schema ${schema}`);
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  const db = connectPostgres({ connectionString: scoped.toString(), max: 4 });
  try {
    return await work(db);
  } finally {
    await db.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.close();
  }
}
