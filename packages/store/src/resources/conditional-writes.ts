import type { AnyResource } from '@mekong/fhir';
import { StoreError } from '../errors.js';
import { queryEntries, ResourceSearch, type SearchOptions, type SearchQuery } from '../search/search.js';
import type { SqlClient } from '../sql/sql-client.js';
import { criteriaLockKeys, selectsResources } from './criteria-locks.js';
import { ResourceStore, type ResourceStoreOptions, type Stored, type WriteOptions } from './resource-store.js';

/** A conditional write's criteria matched more than one resource: nothing was written. */
export class MultipleMatchesError extends StoreError {
  constructor(type: string, criteria: string) {
    super({
      code: 'MULTIPLE_MATCHES',
      status: 412,
      message: `more than one ${type} matches '${criteria}': nothing was written`,
      hint: 'make the criteria select one resource (an identifier with its system), or write by id',
    });
  }
}

/** What a conditional write did. */
export interface ConditionalResult<T extends AnyResource> {
  /** `created`: a new resource; `existing`: a match was found (conditional create); `updated`: the match was updated. */
  readonly outcome: 'created' | 'existing' | 'updated';
  readonly resource: Stored<T> | AnyResource;
}

/** Options of a conditional write. */
export interface ConditionalOptions {
  /** Shapes the resource written (see {@link WriteOptions.prepare}). */
  readonly prepare?: WriteOptions['prepare'];
  /**
   * Runs inside the transaction once the outcome is known, with the resource written or found: what it
   * writes (an audit record) commits with the write, or with the decision not to write.
   */
  readonly within?: (tx: SqlClient, result: ConditionalResult<AnyResource>) => Promise<void>;
  /** Limits on the criteria's search (an access policy's compartment). */
  readonly search?: SearchOptions;
}

/**
 * Conditional create (FHIR If-None-Exist) and conditional update (PUT with search criteria). The search and the
 * write run in one transaction under advisory locks on what the criteria ask (each parameter and value, with
 * spellings that mean the same folded together: `identifier=sys|123` and `identifier=123`, an extra `_count`,
 * another order), so conditional creates with equivalent criteria racing each other create one resource, not
 * two. Criteria over different parameters (an identifier, or a name and birth date) share no lock: the
 * guarantee does not reach them. Result parameters (`_count`, `_sort`, `_include`...) do not select resources
 * and are left out of the search.
 */
export class ConditionalWrites {
  constructor(
    private readonly db: SqlClient,
    private readonly options: ResourceStoreOptions = {},
  ) {}

  /** Creates the resource unless one already matches `criteria`; with two or more matches, refuses. */
  createIfNoneExist<T extends AnyResource>(
    resource: T,
    criteria: SearchQuery,
    options: ConditionalOptions = {},
  ): Promise<ConditionalResult<T>> {
    return this.locked(resource.resourceType, criteria, options, async (store, match) => {
      if (match) return { outcome: 'existing', resource: match };
      return { outcome: 'created', resource: await store.create(resource, writeOptions(options)) };
    });
  }

  /** Updates the one resource that matches `criteria`, or creates it when none does; with two or more, refuses. */
  updateWhere<T extends AnyResource>(
    resource: T,
    criteria: SearchQuery,
    options: ConditionalOptions = {},
  ): Promise<ConditionalResult<T>> {
    return this.locked(resource.resourceType, criteria, options, async (store, match) => {
      if (!match) return { outcome: 'created', resource: await store.create(resource, writeOptions(options)) };
      if (resource.id !== undefined && resource.id !== match.id) {
        throw new StoreError({
          code: 'ID_MISMATCH',
          status: 400,
          message: `the resource has id ${resource.id} but the criteria select ${match.resourceType}/${match.id}`,
          hint: 'leave the id out of a conditional update, or send the id of the matching resource',
        });
      }
      return {
        outcome: 'updated',
        resource: await store.update({ ...resource, id: match.id }, writeOptions(options)),
      };
    });
  }

  private async locked<T extends AnyResource>(
    type: string,
    criteria: SearchQuery,
    options: ConditionalOptions,
    write: (store: ResourceStore, match: AnyResource | undefined) => Promise<ConditionalResult<T>>,
  ): Promise<ConditionalResult<T>> {
    const entries = queryEntries(criteria);
    // Sorted for the message; the search and the locks take only what selects resources.
    const query = new URLSearchParams(entries);
    query.sort();
    const text = query.toString();
    const selecting = entries.filter(([name]) => selectsResources(name));
    const keys = criteriaLockKeys(type, selecting);
    if (keys.length === 0)
      throw new StoreError({
        code: 'CRITERIA_EMPTY',
        status: 400,
        message: text
          ? `conditional write whose criteria '${text}' select nothing: ${[...new Set(entries.map(([n]) => n))].join(', ')} only shape results`
          : 'conditional write without criteria',
        hint: 'give search criteria, such as identifier=system|value',
      });
    return this.db.transaction(async (tx) => {
      for (const key of keys) await tx.query('select pg_advisory_xact_lock($1::bigint)', [key.toString()]);
      const found = await new ResourceSearch(tx).search(
        type as never,
        new URLSearchParams([...selecting, ['_count', '2']]),
        options.search,
      );
      const matches = (found.entry ?? [])
        .filter((e) => e.search?.mode === 'match')
        .map((e) => e.resource as AnyResource);
      if (matches.length > 1) throw new MultipleMatchesError(type, text);
      const result = await write(new ResourceStore(tx, this.options), matches[0]);
      await options.within?.(tx, result as ConditionalResult<AnyResource>);
      return result;
    });
  }
}

function writeOptions(options: ConditionalOptions): WriteOptions {
  return options.prepare ? { prepare: options.prepare } : {};
}
