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
    {
      version: '0002',
      description: 'append-only audit trail',
      sql: `
        create table mekong_audit (
          seq bigserial primary key,
          id text not null unique,
          recorded timestamptz not null,
          agent text not null,
          action text not null,
          outcome text not null,
          entity text,
          patient text,
          content jsonb not null
        );
        create index mekong_audit_by_patient on mekong_audit (patient, recorded);
        create index mekong_audit_by_agent on mekong_audit (agent, recorded);
        create function mekong_audit_is_append_only() returns trigger language plpgsql as $$
        begin
          raise exception 'mekong_audit is append-only: % is not allowed', tg_op using errcode = '42501';
        end;
        $$;
        create trigger mekong_audit_append_only before update or delete or truncate on mekong_audit
          for each statement execute function mekong_audit_is_append_only();
      `,
    },
    {
      version: '0003',
      description: 'transactional outbox',
      sql: `
        create table mekong_outbox_subscriber (
          name text primary key,
          topics text[] not null,
          registered_at timestamptz not null default now()
        );
        create table mekong_outbox (
          seq bigserial primary key,
          event_id text not null unique,
          topic text not null,
          payload jsonb not null,
          created_at timestamptz not null default now()
        );
        create table mekong_outbox_delivery (
          subscriber text not null references mekong_outbox_subscriber (name),
          event_seq bigint not null references mekong_outbox (seq),
          attempts int not null default 0,
          next_attempt_at timestamptz not null default now(),
          lease_until timestamptz,
          delivered_at timestamptz,
          dead_at timestamptz,
          last_error text,
          primary key (subscriber, event_seq)
        );
        create index mekong_outbox_pending on mekong_outbox_delivery (subscriber, next_attempt_at)
          where delivered_at is null and dead_at is null;
      `,
    },
    {
      version: '0004',
      description: 'search indexes',
      // Covering indexes: a search probes them index-only, whichever way the planner joins.
      sql: `
        create table mekong_search_token (
          resource_type text not null, id text not null, param text not null, system text, code text not null
        );
        create index mekong_search_token_lookup on mekong_search_token (resource_type, param, code, system) include (id);
        create index mekong_search_token_owner on mekong_search_token (resource_type, id) include (param, system, code);
        create table mekong_search_string (
          resource_type text not null, id text not null, param text not null, folded text not null, exact text not null
        );
        create index mekong_search_string_lookup on mekong_search_string (resource_type, param, folded text_pattern_ops) include (id);
        create index mekong_search_string_owner on mekong_search_string (resource_type, id) include (param, folded);
        create table mekong_search_date (
          resource_type text not null, id text not null, param text not null,
          low timestamptz not null, high timestamptz not null
        );
        create index mekong_search_date_lookup on mekong_search_date (resource_type, param, low, high) include (id);
        create index mekong_search_date_owner on mekong_search_date (resource_type, id) include (param, low, high);
        create table mekong_search_reference (
          resource_type text not null, id text not null, param text not null,
          target_type text, target_id text, url text not null
        );
        create index mekong_search_reference_lookup on mekong_search_reference (resource_type, param, target_id, target_type) include (id);
        create index mekong_search_reference_target on mekong_search_reference (target_type, target_id);
        create index mekong_search_reference_owner on mekong_search_reference (resource_type, id) include (param, target_type, target_id);
        create table mekong_search_uri (
          resource_type text not null, id text not null, param text not null, value text not null
        );
        create index mekong_search_uri_lookup on mekong_search_uri (resource_type, param, value) include (id);
        create index mekong_search_uri_owner on mekong_search_uri (resource_type, id) include (param, value);
      `,
    },
    {
      version: '0005',
      description: 'search indexes for quantities and numbers',
      sql: `
        create table mekong_search_quantity (
          resource_type text not null, id text not null, param text not null,
          value numeric not null, system text, code text
        );
        create index mekong_search_quantity_lookup on mekong_search_quantity (resource_type, param, value) include (id, system, code);
        create index mekong_search_quantity_owner on mekong_search_quantity (resource_type, id) include (param, value);
      `,
    },
    {
      version: '0006',
      description: 'patient of each resource version (compartments), audit search indexes',
      // The patient is what patientOf() computes: the resource itself for a Patient, else the first of
      // patient, subject, beneficiary, for that refers to a Patient.
      sql: `
        alter table mekong_resource add column patient text;
        alter table mekong_resource_history add column patient text;
        create function mekong_patient_of(resource_type text, id text, content jsonb) returns text
          language sql immutable as $$
          select case when resource_type = 'Patient' then 'Patient/' || id else (
            select ref from unnest(array[
              content->'patient'->>'reference', content->'subject'->>'reference',
              content->'beneficiary'->>'reference', content->'for'->>'reference'
            ]) with ordinality as e(ref, n)
            where ref ~ '^Patient/[A-Za-z0-9.-]{1,64}$' order by n limit 1
          ) end
        $$;
        update mekong_resource set patient = mekong_patient_of(resource_type, id, content);
        update mekong_resource_history set patient = mekong_patient_of(resource_type, id, content);
        create index mekong_resource_by_patient on mekong_resource (resource_type, patient, id);
        create index mekong_resource_history_by_patient on mekong_resource_history (resource_type, patient, last_updated);
        create index mekong_audit_by_time on mekong_audit (recorded, seq);
        create index mekong_audit_by_entity on mekong_audit (entity, recorded);
        create index mekong_audit_by_agent_identifier on mekong_audit using gin ((content->'agent') jsonb_path_ops);
      `,
    },
    {
      version: '0007',
      description: 'search by last update; finer statistics for prefix and code searches',
      // An index for _lastUpdated (filter and sort). Finer statistics on folded strings and codes, whose
      // most common values (frequent family names, gender) the planner weighs when it picks where to start.
      sql: `
        create index mekong_resource_by_time on mekong_resource (resource_type, last_updated, id);
        alter table mekong_search_string alter column folded set statistics 1000;
        alter table mekong_search_token alter column code set statistics 1000;
      `,
    },
    {
      version: '0008',
      description: "no index rows of their own for parameters that share another parameter's",
      // The parameters whose IndexedParameter.storedAs is another's, as of this version: their values are the
      // other parameter's rows (Patient's phonetic is Patient.name), so their own rows are never read again.
      sql: `
        delete from mekong_search_token where (resource_type, param) in (('CapabilityStatement', 'version'));
        delete from mekong_search_uri where (resource_type, param) in (('CodeSystem', 'url'));
        delete from mekong_search_reference where (resource_type, param) in (('Coverage', 'patient'),
          ('DeviceUseStatement', 'subject'), ('EnrollmentRequest', 'subject'), ('Linkage', 'source'),
          ('ResearchSubject', 'patient'));
        delete from mekong_search_string where (resource_type, param) in (('Patient', 'phonetic'),
          ('Person', 'phonetic'), ('Practitioner', 'phonetic'), ('RelatedPerson', 'phonetic'));
      `,
    },
    {
      version: '0009',
      description: 'the history holds replaced versions only: the current ones are in mekong_resource',
      sql: `
        delete from mekong_resource_history h using mekong_resource r
        where h.resource_type = r.resource_type and h.id = r.id and h.version_id = r.version_id;
      `,
    },
    {
      version: '0010',
      description: 'keys shared by every server process on the database (search cursors)',
      // A key is written once, on first use, by whichever process needs it first (see cursor-key.ts).
      sql: `
        create table mekong_key (
          name text primary key,
          key bytea not null,
          created_at timestamptz not null default now()
        );
      `,
    },
    {
      version: '0011',
      description: 'indexed text values cut to their leading 1,000 bytes, as the store now writes and searches them',
      // Earlier versions indexed text whole: a value too large for a B-tree entry failed its write, but shorter
      // ones (and long ones that compress well) were stored, and a search now compares the leading 1,000 bytes
      // (INDEXED_TEXT_BYTES), cut before a character that would not fit, as this function cuts them.
      sql: `
        create function pg_temp.mekong_leading_bytes(value text) returns text language sql immutable as $$
          select case when value is null or octet_length(value) <= 1000 then value else (
            select convert_from(substring(bytes from 1 for k), 'UTF8')
            from (select convert_to(value, 'UTF8') as bytes) as encoded, generate_series(1000, 997, -1) as k
            where get_byte(bytes, k) & 192 <> 128
            order by k desc limit 1
          ) end
        $$;
        update mekong_search_token
          set system = pg_temp.mekong_leading_bytes(system), code = pg_temp.mekong_leading_bytes(code)
          where octet_length(system) > 1000 or octet_length(code) > 1000;
        update mekong_search_string set folded = pg_temp.mekong_leading_bytes(folded) where octet_length(folded) > 1000;
        update mekong_search_reference set target_type = pg_temp.mekong_leading_bytes(target_type)
          where octet_length(target_type) > 1000;
        update mekong_search_uri set value = pg_temp.mekong_leading_bytes(value) where octet_length(value) > 1000;
        update mekong_search_quantity
          set system = pg_temp.mekong_leading_bytes(system), code = pg_temp.mekong_leading_bytes(code)
          where octet_length(system) > 1000 or octet_length(code) > 1000;
        drop function pg_temp.mekong_leading_bytes(text);
      `,
    },
  ],
};
