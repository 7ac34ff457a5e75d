import type { AnyResource } from '@mekong/fhir';
import { indexEntries } from './index-entries.js';

const TABLES = ['token', 'string', 'date', 'reference', 'uri', 'quantity'] as const;

/**
 * `with` clauses that replace a resource's rows in the search indexes, for the statement that writes its
 * version; parameters are numbered from `first`, and `$1`, `$2` are the resource type and id.
 */
export function indexClauses(resource: AnyResource, options: { first: number; replace: boolean; deleted: boolean }) {
  const entries = options.deleted ? undefined : indexEntries(resource);
  const params: unknown[] = [];
  const next = (value: unknown, cast: string) => {
    params.push(value);
    return `$${options.first + params.length - 1}::${cast}`;
  };
  const clauses: string[] = [];
  for (const table of TABLES) {
    if (options.replace) {
      clauses.push(`delete_${table} as (delete from mekong_search_${table} where resource_type = $1 and id = $2)`);
    }
  }
  if (entries) {
    const t = entries.token;
    clauses.push(`index_token as (insert into mekong_search_token (resource_type, id, param, system, code)
      select $1, $2, * from unnest(${next(t.param, 'text[]')}, ${next(t.system, 'text[]')}, ${next(t.code, 'text[]')}))`);
    const s = entries.string;
    clauses.push(`index_string as (insert into mekong_search_string (resource_type, id, param, folded, exact)
      select $1, $2, * from unnest(${next(s.param, 'text[]')}, ${next(s.folded, 'text[]')}, ${next(s.exact, 'text[]')}))`);
    const d = entries.date;
    clauses.push(`index_date as (insert into mekong_search_date (resource_type, id, param, low, high)
      select $1, $2, * from unnest(${next(d.param, 'text[]')}, ${next(d.low, 'timestamptz[]')}, ${next(d.high, 'timestamptz[]')}))`);
    const r = entries.reference;
    clauses.push(`index_reference as (insert into mekong_search_reference (resource_type, id, param, target_type, target_id, url)
      select $1, $2, * from unnest(${next(r.param, 'text[]')}, ${next(r.targetType, 'text[]')}, ${next(r.targetId, 'text[]')}, ${next(r.url, 'text[]')}))`);
    const q = entries.quantity;
    clauses.push(`index_quantity as (insert into mekong_search_quantity (resource_type, id, param, value, system, code)
      select $1, $2, * from unnest(${next(q.param, 'text[]')}, ${next(q.value, 'numeric[]')}, ${next(q.system, 'text[]')}, ${next(q.code, 'text[]')}))`);
    const u = entries.uri;
    clauses.push(`index_uri as (insert into mekong_search_uri (resource_type, id, param, value)
      select $1, $2, * from unnest(${next(u.param, 'text[]')}, ${next(u.value, 'text[]')}))`);
  }
  return { sql: clauses.join(',\n'), params };
}
