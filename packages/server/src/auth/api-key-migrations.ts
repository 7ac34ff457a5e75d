import type { MigrationSet } from '@mekong/store';

/**
 * The server's schema (owner `server`): API keys, stored as SHA-256 hashes only. Run with the store's
 * migrations (`runMigrations(db, [storeMigrations, apiKeyMigrations])`) before authenticating.
 */
export const apiKeyMigrations: MigrationSet = {
  owner: 'server',
  migrations: [
    {
      version: '0001',
      description: 'API keys (hashes only)',
      sql: `
        create table mekong_api_key (
          id text primary key,
          name text not null,
          hash text not null unique,
          roles jsonb not null,
          compartment jsonb,
          created_at timestamptz not null,
          expires_at timestamptz,
          revoked_at timestamptz
        );
      `,
    },
    {
      version: '0002',
      description: "API keys: a key's own rate limit (requests per window)",
      sql: `alter table mekong_api_key add column rate_limit integer check (rate_limit > 0);`,
    },
  ],
};
