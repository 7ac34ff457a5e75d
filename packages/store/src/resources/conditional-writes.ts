import type { AnyResource } from '@mekong/fhir';
import { StoreError } from '../errors.js';
import { queryEntries, ResourceSearch, type SearchOptions, type SearchQuery } from '../search/search.js';
import type { SqlClient } from '../sql/sql-client.js';
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
 * write run in one transaction under an advisory lock on the criteria, so two identical conditional creates
 * racing each other create one resource, not two.
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
    // A copy: sorting must not reorder the caller's parameters.
    const query = new URLSearchParams(queryEntries(criteria));
    query.sort();
    const text = query.toString();
    if (!text)
      throw new StoreError({
        code: 'CRITERIA_EMPTY',
        status: 400,
        message: 'conditional write without criteria',
        hint: 'give search criteria, such as identifier=system|value',
      });
    return this.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`${type}?${text}`]);
      const found = await new ResourceSearch(tx).search(
        type as never,
        new URLSearchParams([...query, ['_count', '2']]),
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
