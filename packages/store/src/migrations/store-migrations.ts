import type { MigrationSet } from './migration.js';

/** The store's own schema: current versions, and every version ever written. */
export const storeMigrations: MigrationSet = {
  owner: 'store',
  migrations: [
    {
      version: '0001',
      description: 'resources and their history',
      sql: `
        create table mekong_resource (
          resource_type text not null,
          id text not null,
          version_id bigint not null,
          last_updated timestamptz not null,
          deleted boolean not null default false,
          content jsonb not null,
          primary key (resource_type, id)
        );
        create table mekong_resource_history (
          resource_type text not null,
          id text not null,
          version_id bigint not null,
          last_updated timestamptz not null,
          deleted boolean not null,
          content jsonb not null,
          primary key (resource_type, id, version_id)
        );
        create index mekong_resource_history_by_time on mekong_resource_history (resource_type, last_updated);
      `,
    },
  ],
};
