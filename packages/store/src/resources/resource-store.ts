import { randomUUID } from 'node:crypto';
import {
  type AnyResource,
  type ResourceOf,
  type ResourceType,
  validateResource,
  vietnamIdentifierIssues,
} from '@mekong/fhir';
import jsonPatch from 'fast-json-patch';
import { patientOf } from '../access/patient-of.js';
import type { AuditEntry } from '../audit/audit-event.js';
import { auditInsertClause, auditRow } from '../audit/audit-log.js';
import { InvalidResourceError, ResourceDeletedError, ResourceNotFoundError, VersionConflictError } from '../errors.js';
import { Outbox } from '../outbox/outbox.js';
import { indexClauses } from '../search/index-clauses.js';
import type { ResourceSearchOptions } from '../search/search.js';
import type { SqlClient } from '../sql/sql-client.js';

/** One version of a resource, as history lists it (newest first). */
export interface ResourceVersion {
  readonly versionId: string;
  readonly lastUpdated: string;
  /** A deletion: `resource` is then the tombstone (type, id and meta). */
  readonly deleted: boolean;
  readonly resource: AnyResource;
}

/** A resource as stored: with its id, version and time of last update. */
export type Stored<T extends AnyResource> = T & {
  id: string;
  meta: NonNullable<T['meta']> & { versionId: string; lastUpdated: string };
};

/** Options of a write. */
export interface WriteOptions {
  /**
   * The id a create stores the resource under, decided by the server beforehand (a transaction assigns ids
   * first, so its entries can refer to each other). Never a client's choice.
   */
  readonly assignedId?: string;
  /**
   * The audit record of the write, made from the version about to be stored (for a delete, the last version)
   * and inserted by the same statement as the version: it commits with the write, and a create stays one
   * round trip. Throwing refuses the write: nothing is written.
   */
  readonly audit?: (stored: AnyResource) => AuditEntry;
  /**
   * Shapes the resource about to be written, given the current version (undefined when there is none, or it
   * was deleted), inside the write's transaction: an access policy keeps read-only elements and checks the
   * patient here. Its result is validated; throwing refuses the write and writes nothing.
   */
  readonly prepare?: (incoming: AnyResource, current: AnyResource | undefined) => AnyResource;
}

/** Options of a patch. */
export interface PatchOptions extends WriteOptions {
  /** The version the client read: the patch applies only if it is still the current one. */
  readonly ifMatch?: string;
  /** What the client may see of the current version: the operations apply to this (hidden elements left out). */
  readonly view?: (current: AnyResource) => AnyResource;
}

/** Options of reading history. */
export interface HistoryOptions {
  /** `Patient/id` references: only versions about these patients. */
  readonly compartment?: readonly string[];
}

/** Options of {@link ResourceStore}. */
export interface ResourceStoreOptions {
  /** The time stamped on writes; the kernel's clock service in a host. */
  readonly now?: () => Date;
  /** The bounds of searches made through this store (by a `ScopedStore`). */
  readonly search?: ResourceSearchOptions;
  /**
   * Told of each version written (with or without a transaction), after its statement ran: on PGlite the store
   * plugin's `TableMaintenance` counts them, to keep the planner's statistics current.
   */
  readonly onWrite?: () => void;
}

interface CurrentRow {
  version_id: string;
  deleted: boolean;
  content: AnyResource;
}

const UNIQUE_VIOLATION = '23505';

// Every version of every resource: the current ones, and the history of those they replaced (a version is
// stored once: most clinical records are never updated, and a copy of each would double the store).
const VERSIONS = `(select resource_type, id, version_id, last_updated, deleted, content, patient from mekong_resource
  union all select resource_type, id, version_id, last_updated, deleted, content, patient from mekong_resource_history)`;

/**
 * FHIR resources in PostgreSQL: every write validated before anything is stored, every version kept,
 * updates guarded by optimistic concurrency (the loser of a race gets a {@link VersionConflictError}), and
 * a `resource.created|updated|deleted` event in the outbox committed with each write.
 */
export class ResourceStore {
  private readonly now: () => Date;

  constructor(
    /** The database this store reads and writes. */
    readonly db: SqlClient,
    /** The options it was made with: a store on another connection (a transaction) shares them. */
    readonly options: ResourceStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Stores a new resource under a new id (any id sent is ignored), as version 1. */
  async create<T extends AnyResource>(input: T, options: WriteOptions = {}): Promise<Stored<T>> {
    const valid = this.validated(input);
    const resource = options.prepare ? this.validated(options.prepare(valid, undefined)) : valid;
    const stored = this.stamp(resource, options.assignedId ?? randomUUID(), 1);
    // One statement: atomic without a transaction.
    await this.writeVersion(this.db, stored, { mode: 'insert', audit: options.audit?.(stored) });
    return stored as Stored<T>;
  }

  /** The current version. */
  async read<K extends ResourceType>(type: K, id: string): Promise<ResourceOf<K>> {
    const { rows } = await this.db.query<CurrentRow>(
      'select version_id::text as version_id, deleted, content from mekong_resource where resource_type = $1 and id = $2',
      [type, id],
      { prepared: true },
    );
    const row = rows[0];
    if (!row) throw new ResourceNotFoundError(`${type}/${id}`);
    if (row.deleted) throw new ResourceDeletedError(`${type}/${id}`, row.version_id);
    return row.content as ResourceOf<K>;
  }

  /** One version, current or past. */
  async vread<K extends ResourceType>(type: K, id: string, versionId: string): Promise<ResourceOf<K>> {
    if (!/^[1-9]\d{0,17}$/.test(versionId)) throw new ResourceNotFoundError(`${type}/${id}/_history/${versionId}`);
    const { rows } = await this.db.query<CurrentRow>(
      `select version_id::text as version_id, deleted, content from ${VERSIONS} v
       where resource_type = $1 and id = $2 and version_id = $3`,
      [type, id, versionId],
    );
    const row = rows[0];
    if (!row) throw new ResourceNotFoundError(`${type}/${id}/_history/${versionId}`);
    if (row.deleted) throw new ResourceDeletedError(`${type}/${id}`, row.version_id);
    return row.content as ResourceOf<K>;
  }

  /**
   * Writes a new version of the resource with the id it carries, or creates it with that id. With `ifMatch`
   * (the version the client read), the update succeeds only if that is still the current version.
   */
  async update<T extends AnyResource>(input: T, options: WriteOptions & { ifMatch?: string } = {}): Promise<Stored<T>> {
    const resource = this.validated(input);
    const id = resource.id;
    if (!id)
      throw new InvalidResourceError([{ path: `${resource.resourceType}.id`, message: 'is required to update' }]);
    const reference = `${resource.resourceType}/${id}`;
    try {
      return await this.db.transaction(async (tx) => {
        const current = await this.lockCurrent(tx, resource.resourceType, id);
        const prepared = options.prepare
          ? this.validated(options.prepare(resource, current && !current.deleted ? current.content : undefined))
          : resource;
        if (!current) {
          if (options.ifMatch !== undefined) throw new ResourceNotFoundError(reference);
          const stored = this.stamp(prepared, id, 1);
          await this.writeVersion(tx, stored, { mode: 'insert', audit: options.audit?.(stored) });
          return stored as Stored<T>;
        }
        if (options.ifMatch !== undefined && options.ifMatch !== current.version_id) {
          throw new VersionConflictError(reference, options.ifMatch, current.version_id);
        }
        const stored = this.stamp(prepared, id, Number(current.version_id) + 1);
        await this.writeVersion(tx, stored, { mode: 'update', audit: options.audit?.(stored) });
        return stored as Stored<T>;
      });
    } catch (error) {
      // Two creates of the same id raced: the second finds the row the first inserted.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new VersionConflictError(reference, options.ifMatch ?? '(none)', '1');
      }
      throw error;
    }
  }

  /** Deletes the resource: reads answer 410 Gone from now on; its history stays. Deleting twice is harmless. */
  async delete(type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await this.lockCurrent(tx, type, id);
      if (!current) throw new ResourceNotFoundError(`${type}/${id}`);
      if (current.deleted) return;
      const tombstone = this.stamp({ resourceType: type, id } as AnyResource, id, Number(current.version_id) + 1);
      // The tombstone keeps the patient: a compartment's history still shows the deletion; so does the audit,
      // made from the last version.
      await this.writeVersion(tx, tombstone, {
        mode: 'update',
        deleted: true,
        patient: patientOf(current.content),
        audit: options.audit?.(current.content),
      });
    });
  }

  /**
   * Applies a JSON Patch (RFC 6902) to the current version and stores the result as a new version, validated
   * like any update. The patch may not change `resourceType` or `id`; `meta.versionId` and `lastUpdated` stay
   * the server's.
   */
  async patch(type: ResourceType, id: string, operations: unknown, options: PatchOptions = {}): Promise<AnyResource> {
    if (!Array.isArray(operations)) {
      throw new InvalidResourceError([{ path: 'Patch', message: 'must be an array of JSON Patch operations' }]);
    }
    const problem = jsonPatch.validate(operations as jsonPatch.Operation[]);
    if (problem) throw new InvalidResourceError([{ path: `Patch[${problem.index}]`, message: problem.message }]);
    const reference = `${type}/${id}`;
    return this.db.transaction(async (tx) => {
      const current = await this.lockCurrent(tx, type, id);
      if (!current) throw new ResourceNotFoundError(reference);
      if (current.deleted) throw new ResourceDeletedError(reference, current.version_id);
      if (options.ifMatch !== undefined && options.ifMatch !== current.version_id) {
        throw new VersionConflictError(reference, options.ifMatch, current.version_id);
      }
      let patched: AnyResource;
      try {
        patched = jsonPatch.applyPatch(
          structuredClone(options.view ? options.view(current.content) : current.content),
          operations as jsonPatch.Operation[],
          true,
          false,
        ).newDocument;
      } catch (error) {
        const index = (error as { index?: number }).index;
        throw new InvalidResourceError([
          {
            path: index === undefined ? 'Patch' : `Patch[${index}]`,
            message: (error as Error).message.split('\n')[0] as string,
          },
        ]);
      }
      // A patch of the root ("" path) can leave anything: null, a number, an array.
      if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
        throw new InvalidResourceError([{ path: 'Patch', message: 'must leave a resource (a JSON object)' }]);
      }
      if (patched.resourceType !== type || patched.id !== id) {
        throw new InvalidResourceError([{ path: 'Patch', message: 'may not change resourceType or id' }]);
      }
      const valid = this.validated(patched);
      const prepared = options.prepare ? this.validated(options.prepare(valid, current.content)) : valid;
      const stored = this.stamp(prepared, id, Number(current.version_id) + 1);
      await this.writeVersion(tx, stored, { mode: 'update', audit: options.audit?.(stored) });
      return stored;
    });
  }

  /** Versions of every resource of a type, newest first: at most `count`, and only since `since` if given. */
  async typeHistory(
    type: ResourceType,
    options: HistoryOptions & { since?: Date; count?: number } = {},
  ): Promise<ResourceVersion[]> {
    const count = options.count ?? 100;
    if (!Number.isInteger(count) || count < 1 || count > 1_000) {
      throw new InvalidResourceError([{ path: '_count', message: 'must be a whole number from 1 to 1000' }]);
    }
    const { rows } = await this.db.query<CurrentRow & { last_updated: string }>(
      `select version_id::text as version_id, deleted, content, content->'meta'->>'lastUpdated' as last_updated
       from ${VERSIONS} h
       where resource_type = $1 and ($2::timestamptz is null or h.last_updated >= $2::timestamptz)
         and ($4::text[] is null or h.patient = any($4::text[]))
       order by h.last_updated desc, h.id, h.version_id desc limit $3`,
      [type, options.since?.toISOString() ?? null, count, options.compartment ?? null],
    );
    return rows.map((row) => ({
      versionId: row.version_id,
      lastUpdated: row.last_updated,
      deleted: row.deleted,
      resource: row.content,
    }));
  }

  /**
   * Every version of one resource, newest first; with a `compartment`, only the versions about those
   * patients (none, when the resource is another patient's).
   */
  async history(type: ResourceType, id: string, options: HistoryOptions = {}): Promise<ResourceVersion[]> {
    const { rows } = await this.db.query<CurrentRow & { last_updated: string; patient: string | null }>(
      `select version_id::text as version_id, deleted, content, content->'meta'->>'lastUpdated' as last_updated,
         patient
       from ${VERSIONS} h where resource_type = $1 and id = $2
       order by h.version_id desc -- the bigint column: the text alias would sort 9 after 10
      `,
      [type, id],
    );
    if (rows.length === 0) throw new ResourceNotFoundError(`${type}/${id}`);
    const { compartment } = options;
    const visible = compartment ? rows.filter((row) => row.patient && compartment.includes(row.patient)) : rows;
    return visible.map((row) => ({
      versionId: row.version_id,
      lastUpdated: row.last_updated,
      deleted: row.deleted,
      resource: row.content,
    }));
  }

  private validated(input: AnyResource): AnyResource {
    const result = validateResource(input);
    if (!result.ok) throw new InvalidResourceError(result.issues);
    const identifierIssues = vietnamIdentifierIssues(result.resource);
    if (identifierIssues.length > 0) throw new InvalidResourceError(identifierIssues);
    return result.resource;
  }

  /** The server owns id, versionId and lastUpdated: whatever the client sent there is replaced. */
  private stamp(resource: AnyResource, id: string, version: number): AnyResource {
    const meta = { ...resource.meta, versionId: String(version), lastUpdated: this.now().toISOString() };
    return { ...resource, id, meta } as AnyResource;
  }

  private async lockCurrent(tx: SqlClient, type: string, id: string): Promise<CurrentRow | undefined> {
    const { rows } = await tx.query<CurrentRow>(
      `select version_id::text as version_id, deleted, content from mekong_resource
       where resource_type = $1 and id = $2 for update`,
      [type, id],
      { prepared: true },
    );
    return rows[0];
  }

  /**
   * Writes a version, its outbox event, its search index rows and its audit record as one statement (an update
   * also moves the version it replaces to the history): atomic on its own, one round trip inside a transaction.
   */
  private async writeVersion(db: SqlClient, resource: AnyResource, version: VersionWrite) {
    const { mode, deleted = false, patient = patientOf(resource), audit } = version;
    const { resourceType, id, meta } = resource as AnyResource & { meta: { versionId: string; lastUpdated: string } };
    const topic = `resource.${deleted ? 'deleted' : mode === 'insert' ? 'created' : 'updated'}`;
    const event = { resourceType, id, versionId: meta.versionId };
    const current =
      mode === 'insert'
        ? `insert into mekong_resource (resource_type, id, version_id, last_updated, deleted, content, patient)
           values ($1, $2, $3, $4, $5, $6::jsonb, $10)`
        : `update mekong_resource set version_id = $3, last_updated = $4, deleted = $5, content = $6::jsonb,
             patient = $10
           where resource_type = $1 and id = $2`;
    const record = audit ? auditRow(audit).params : [];
    const index = indexClauses(resource, { first: 11 + record.length, replace: mode === 'update', deleted });
    // The clauses of one statement all see the rows as they were before it: the history gets the replaced version.
    const superseded =
      mode === 'update'
        ? `superseded as (
             insert into mekong_resource_history (resource_type, id, version_id, last_updated, deleted, content, patient)
             select resource_type, id, version_id, last_updated, deleted, content, patient from mekong_resource
             where resource_type = $1 and id = $2
           ), `
        : '';
    await db.query(
      `with ${superseded}${Outbox.eventClauses(7, 8, 9)}${audit ? `,\n${auditInsertClause(11)}` : ''}${index.sql ? `,\n${index.sql}` : ''}
       ${current}`,
      [
        resourceType,
        id,
        meta.versionId,
        meta.lastUpdated,
        deleted,
        JSON.stringify(resource),
        randomUUID(),
        topic,
        JSON.stringify(event),
        patient ?? null,
        ...record,
        ...index.params,
      ],
      { prepared: true },
    );
    this.options.onWrite?.();
  }
}

/** How {@link ResourceStore} writes one version. */
interface VersionWrite {
  readonly mode: 'insert' | 'update';
  /** A tombstone. */
  readonly deleted?: boolean;
  /** The patient the version is about, when it is not the resource's own (a tombstone keeps the last one's). */
  readonly patient?: string | undefined;
  readonly audit?: AuditEntry | undefined;
}
