import type { AuditEvent, Bundle } from '@mekong/fhir';
import { cursorScope, openCursor, sealCursor } from '../search/cursor.js';
import { cursorKey } from '../search/cursor-key.js';
import { InvalidSearchError, queryEntries, type SearchQuery } from '../search/search.js';
import { likeEscape, SqlParams as Sql } from '../search/sql-params.js';
import { dateCondition } from '../search/value-conditions.js';
import type { SqlClient } from '../sql/sql-client.js';
import { activitiesOfSubtype } from './audit-event.js';
import {
  type AuditSearchParameterName,
  auditResultParameters,
  auditSearchParameters,
} from './audit-search-parameters.js';

const MAX_COUNT = 1_000;
const DEFAULT_COUNT = 20;
const SUPPORTED = [...auditSearchParameters.map((parameter) => parameter.name), ...auditResultParameters].join(', ');
// The audit table stores outcomes as words; searches use the FHIR codes.
const OUTCOMES: Record<string, string> = { '0': 'success', '4': 'refused', '8': 'failed' };
const ACTIONS = ['C', 'R', 'U', 'D', 'E'];
// A token's system is optional; these are the only ones the trail's codes come from.
const ACTION_SYSTEM = /^http:\/\/hl7\.org\/fhir\/audit-event-action\|/;
const OUTCOME_SYSTEM = /^http:\/\/hl7\.org\/fhir\/audit-event-outcome\|/;
const SUBTYPE_SYSTEM =
  /^(http:\/\/hl7\.org\/fhir\/restful-interaction|http:\/\/dicom\.nema\.org\/resources\/ontology\/DCM)\|/;
const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
// The audit cursor carries no sort: the order (_sort) is bound with the filters; only the page size may change.
const UNBOUND = new Set(['_count']);
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Search of the audit trail (the mekong_audit table) as AuditEvents by the parameters of
 * {@link auditSearchParameters}: `patient`, `agent` (an agent's identifier value, or `system|value`), `address`
 * (an agent's network address, or its start: `10.2.`), `entity` (`Type/id`), `date` with prefixes, `action`
 * (C, R, U, D, E), `subtype` (the interaction, `operation`, or the DICOM code of a gateway's event: `110122`
 * failed logins, `110132` restricted functions, `110137` credentials issued or revoked), `outcome` (0, 4, 8);
 * with `_count`, `_sort` (`-date`, the default, or `date`) and cursor paging. Any other parameter is refused
 * with a 400 that names it and lists these.
 */
export class AuditSearch {
  constructor(private readonly db: SqlClient) {}

  /**
   * Runs the search; with a `compartment`, only events about those patients. The `next` link's cursor is sealed
   * (see `encodeCursor`) and followed only for the same filters, `caller` and compartment.
   */
  async search(
    query: SearchQuery,
    options: { compartment?: readonly string[]; caller?: string } = {},
  ): Promise<Bundle> {
    const sql = new Sql();
    const where: string[] = [];
    if (options.compartment) where.push(`a.patient = any(${sql.add(options.compartment)}::text[])`);
    let count = DEFAULT_COUNT;
    let descending = true;
    let cursorValue: string | undefined;
    const kept: [string, string][] = [];
    for (const [name, value] of queryEntries(query)) {
      if (name === '_cursor') {
        cursorValue = value;
        continue;
      }
      kept.push([name, value]);
      if (name === '_count') {
        count = Number(value);
        if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)
          throw new InvalidSearchError(
            name,
            `must be a whole number from 1 to ${MAX_COUNT}, found '${value}'`,
            'page through larger results',
          );
      } else if (name === '_sort') {
        if (value !== 'date' && value !== '-date')
          throw new InvalidSearchError(name, `AuditEvents sort by date only, found '${value}'`, 'use -date or date');
        descending = value === '-date';
      } else {
        const condition = conditionOf(name);
        where.push(
          `(${values(value)
            .map((v) => condition(name, v, sql))
            .join(' or ')})`,
        );
      }
    }
    const scope = cursorScope('AuditEvent', kept, options, UNBOUND);
    const cursor =
      cursorValue === undefined ? undefined : decodeAuditCursor(await cursorKey(this.db), scope, cursorValue);
    const page = [...where];
    if (cursor) {
      page.push(
        `(a.recorded, a.seq) ${descending ? '<' : '>'} (${sql.add(cursor[0])}::timestamptz, ${sql.add(cursor[1])}::bigint)`,
      );
    }
    const direction = descending ? 'desc' : 'asc';
    const { rows } = await this.db.query<{ seq: string; content: AuditEvent; recorded: string }>(
      `select a.seq::text as seq, a.content,
         to_char(a.recorded at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as recorded
       from mekong_audit a ${page.length > 0 ? `where ${page.join(' and ')}` : ''}
       order by a.recorded ${direction}, a.seq ${direction} limit ${sql.add(count + 1)}`,
      sql.params,
    );
    const matches = rows.slice(0, count);
    const link = [{ relation: 'self', url: `AuditEvent?${new URLSearchParams(kept)}` }];
    const last = matches.at(-1);
    if (rows.length > count && last) {
      const next = new URLSearchParams(kept);
      next.set('_cursor', sealCursor(await cursorKey(this.db), scope, [last.recorded, last.seq]));
      link.push({ relation: 'next', url: `AuditEvent?${next}` });
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      link,
      entry: matches.map((row) => ({
        fullUrl: `AuditEvent/${row.content.id}`,
        resource: row.content,
        search: { mode: 'match' as const },
      })),
    };
  }
}

function values(value: string): string[] {
  return value.split(',');
}

type Condition = (name: string, value: string, sql: Sql) => string;

// One condition per advertised parameter: the type makes a parameter listed without one, or one without a
// listing, a compile error, so the CapabilityStatement and the search cannot drift apart.
const CONDITIONS: Record<AuditSearchParameterName, Condition> = {
  patient(name, value, sql) {
    const reference = value.startsWith('Patient/') ? value : `Patient/${value}`;
    if (!PATIENT_ID.test(reference.slice('Patient/'.length)))
      throw new InvalidSearchError(name, `'${value}' is not a Patient id or reference`, 'use Patient/id or id');
    return `a.patient = ${sql.add(reference)}`;
  },
  entity(name, value, sql) {
    if (!REFERENCE.test(value))
      throw new InvalidSearchError(name, `'${value}' is not a reference`, 'use Type/id, such as Observation/o1');
    return `(a.entity = ${sql.add(value)} or a.patient = ${sql.add(value)})`;
  },
  agent(name, value, sql) {
    if (value === '') throw new InvalidSearchError(name, 'is empty', 'give an agent identifier value');
    const bar = value.indexOf('|');
    const identifier = bar === -1 ? { value } : { system: value.slice(0, bar), value: value.slice(bar + 1) };
    return `a.content->'agent' @> ${sql.add(JSON.stringify([{ who: { identifier } }]))}::jsonb`;
  },
  address(name, value, sql) {
    // A FHIR string search: the start of the address, ignoring case (IPv6 in either case).
    if (value === '' || value.length > 100)
      throw new InvalidSearchError(name, 'must be 1 to 100 characters', 'give an address or its start, such as 10.2.');
    return `exists (select 1 from jsonb_array_elements(a.content->'agent') g
        where lower(g->'network'->>'address') like ${sql.add(`${likeEscape(value.toLowerCase())}%`)})`;
  },
  date(name, value, sql) {
    return dateCondition(name, value, 'a.recorded', 'a.recorded', sql);
  },
  action(name, value, sql) {
    const code = value.replace(ACTION_SYSTEM, '');
    if (!ACTIONS.includes(code))
      throw new InvalidSearchError(name, `must be C, R, U, D or E, found '${value}'`, 'use action=R for reads');
    return `a.content->>'action' = ${sql.add(code)}`;
  },
  subtype(name, value, sql) {
    const code = value.replace(SUBTYPE_SYSTEM, '');
    const activities = /^\d+$/.test(code) ? activitiesOfSubtype(code) : [code];
    if (activities.length === 0 || !activities.every((activity) => /^[a-z-]+$/.test(activity)))
      throw new InvalidSearchError(
        name,
        `'${value}' is not an interaction code`,
        'use subtype=read, search-type, operation..., or 110122 failed logins, 110132 restricted functions, 110137 credentials',
      );
    return `a.action = any(${sql.add(activities)}::text[])`;
  },
  outcome(name, value, sql) {
    const outcome = OUTCOMES[value.replace(OUTCOME_SYSTEM, '')];
    if (!outcome)
      throw new InvalidSearchError(
        name,
        `must be 0 (success), 4 (refused) or 8 (failed), found '${value}'`,
        'use outcome=4 for refusals',
      );
    return `a.outcome = ${sql.add(outcome)}`;
  },
};

/** The condition of a search parameter; a 400 naming it and the supported ones when the trail has none. */
function conditionOf(name: string): Condition {
  if (Object.hasOwn(CONDITIONS, name)) return CONDITIONS[name as AuditSearchParameterName];
  throw new InvalidSearchError(
    name,
    `is not a search parameter of the audit trail; AuditEvent searches support ${SUPPORTED}`,
    'search by those (GET /fhir/R4/metadata lists them with their types), or remove it',
  );
}

function decodeAuditCursor(key: Buffer, scope: string, value: string): [string, string] {
  const opened = openCursor(key, scope, value);
  if (Array.isArray(opened) && opened.length === 2 && opened.every((k) => typeof k === 'string')) {
    const [recorded, seq] = opened as [string, string];
    if (!Number.isNaN(Date.parse(recorded)) && /^\d{1,18}$/.test(seq)) return [recorded, seq];
  }
  throw new InvalidSearchError(
    '_cursor',
    'is not a cursor this server issued for this search',
    "follow the Bundle's next link as it is (a cursor serves the search and the caller it was cut for), or start again without _cursor",
  );
}
