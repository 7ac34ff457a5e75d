import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresSchema } from '../src/index.js';

const currentSchemaOf = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ schema: string }>('select current_schema() as schema')).rows[0]?.schema;
  } finally {
    await client.end();
  }
};

describe('a PostgreSQL schema for a test', () => {
  it('gives each caller an empty schema of its own, that its URL connects to, until it is dropped', async () => {
    const [a, b] = await Promise.all([createPostgresSchema('iso'), createPostgresSchema('iso')]);
    expect(a.name).toMatch(/^iso_[0-9a-f]{32}$/);
    expect(a.name).not.toBe(b.name);
    expect(await currentSchemaOf(a.url)).toBe(a.name);
    await a.query(`create table ${a.name}.note (text text)`);
    expect(await b.query(`select to_regclass('${b.name}.note') as found`)).toEqual([{ found: null }]);
    await Promise.all([a.drop(), b.drop()]);
    const check = await createPostgresSchema('iso');
    try {
      expect(
        await check.query('select count(*)::int as n from pg_namespace where nspname = any($1)', [[a.name, b.name]]),
      ).toEqual([{ n: 0 }]);
    } finally {
      await check.drop();
    }
  });
});
