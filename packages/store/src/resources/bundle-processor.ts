import { randomUUID } from 'node:crypto';
import {
  type AnyResource,
  type Bundle,
  type BundleEntry,
  type ResourceType,
  resourceTypes,
  toOperationOutcome,
  validateResource,
} from '@mekong/fhir';
import { InvalidResourceError, StoreError } from '../errors.js';
import type { SqlClient } from '../sql/sql-client.js';
import { ResourceStore, type ResourceStoreOptions } from './resource-store.js';

/** A transaction entry failed: the whole transaction was rolled back. */
export class TransactionEntryError extends StoreError {
  constructor(
    readonly index: number,
    readonly request: string,
    cause: StoreError | Error,
  ) {
    super({
      code: cause instanceof StoreError ? cause.code : 'TRANSACTION_ENTRY_FAILED',
      status: cause instanceof StoreError ? cause.status : 500,
      message: `Bundle.entry[${index}] (${request}) failed, nothing of the transaction was written: ${cause.message}`,
      hint: cause instanceof StoreError ? cause.hint : 'see the cause',
      cause,
    });
  }
}

/**
 * What runs a Bundle's entries: a {@link ResourceStore}, or an access-controlled handle that checks and audits
 * each entry. `db` is the transaction's connection for a transaction, the database for a batch.
 */
export interface BundleTarget {
  create(resource: AnyResource, options: { assignedId?: string }): Promise<AnyResource>;
  /** Creates the resource when it does not exist: it is then at version 1. */
  update(resource: AnyResource, options: { ifMatch?: string }): Promise<AnyResource>;
  delete(type: ResourceType, id: string): Promise<void>;
  read(type: ResourceType, id: string): Promise<AnyResource>;
  vread(type: ResourceType, id: string, versionId: string): Promise<AnyResource>;
}

/** Options of {@link BundleProcessor.process}. */
export interface BundleOptions {
  /** Runs the entries; a {@link ResourceStore} on `db` by default. */
  readonly target?: (db: SqlClient) => BundleTarget;
  /** Runs inside a transaction after its last entry: what it writes commits with the transaction. */
  readonly within?: (tx: SqlClient, response: Bundle) => Promise<void>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Request {
  readonly index: number;
  readonly method: Method;
  readonly type: ResourceType;
  readonly id: string | undefined;
  readonly versionId: string | undefined;
  readonly ifMatch: string | undefined;
  readonly resource: AnyResource | undefined;
  readonly label: string;
}

// FHIR's processing order for transactions: deletes, creates, updates, reads.
const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, GET: 3 };
const URL_PATTERN = /^([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([1-9]\d{0,17}))?)?$/;

/**
 * Processes transaction and batch Bundles. A transaction is all or nothing, in one database transaction, with
 * references to entries' `urn:uuid:` fullUrls rewritten to the ids the server assigns. A batch runs each entry
 * on its own and reports each outcome.
 */
export class BundleProcessor {
  constructor(
    private readonly db: SqlClient,
    private readonly options: ResourceStoreOptions = {},
  ) {}

  /** Runs a transaction or batch Bundle and answers with its response Bundle. */
  async process(input: unknown, options: BundleOptions = {}): Promise<Bundle> {
    const checked = validateResource(input, 'Bundle');
    if (!checked.ok) throw new InvalidResourceError(checked.issues);
    const bundle = checked.resource;
    if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
      throw new InvalidResourceError([
        { path: 'Bundle.type', message: `must be 'transaction' or 'batch' here, found '${bundle.type}'` },
      ]);
    }
    const requests = (bundle.entry ?? []).map((entry, index) => parseRequest(entry, index));
    const target = options.target ?? ((db: SqlClient) => new ResourceStore(db, this.options));
    return bundle.type === 'transaction'
      ? this.transaction(requests, bundle.entry ?? [], target, options.within)
      : this.batch(requests, target);
  }

  private async transaction(
    requests: Request[],
    entries: readonly BundleEntry[],
    target: (db: SqlClient) => BundleTarget,
    within: BundleOptions['within'],
  ): Promise<Bundle> {
    const assigned = assignIds(requests, entries);
    const rewritten = requests.map((request) =>
      request.resource ? { ...request, resource: rewriteReferences(request.resource, assigned.references) } : request,
    );
    return this.db.transaction(async (tx) => {
      const store = target(tx);
      const results = new Map<number, BundleEntry>();
      for (const request of [...rewritten].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index)) {
        try {
          results.set(request.index, await execute(store, request, assigned.ids.get(request.index)));
        } catch (error) {
          throw new TransactionEntryError(request.index, request.label, error as Error);
        }
      }
      const response: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: rewritten.map((request) => results.get(request.index) as BundleEntry),
      };
      await within?.(tx, response);
      return response;
    });
  }

  private async batch(requests: Request[], target: (db: SqlClient) => BundleTarget): Promise<Bundle> {
    const store = target(this.db);
    const entry: BundleEntry[] = [];
    for (const request of requests) {
      try {
        entry.push(await execute(store, request, undefined));
      } catch (error) {
        const status = error instanceof StoreError ? error.status : 500;
        const issues =
          error instanceof InvalidResourceError
            ? error.issues
            : [{ path: '', message: error instanceof StoreError ? error.message : 'internal error' }];
        entry.push({ response: { status: String(status), outcome: toOperationOutcome(issues) } });
      }
    }
    return { resourceType: 'Bundle', type: 'batch-response', entry };
  }
}

function parseRequest(entry: BundleEntry, index: number): Request {
  const fail = (message: string) => new InvalidResourceError([{ path: `Bundle.entry[${index}].request`, message }]);
  if (!entry.request) throw fail('is required in a transaction or batch');
  const { method, url, ifMatch, ifNoneExist } = entry.request;
  // Run as a plain create, it would make the duplicate that it asks not to make.
  if (ifNoneExist !== undefined)
    throw new InvalidResourceError([
      {
        path: `Bundle.entry[${index}].request.ifNoneExist`,
        message:
          'conditional create is not supported in a Bundle yet: send it on its own as POST with an If-None-Exist ' +
          'header, or give the resource an id and PUT it',
      },
    ]);
  if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
    throw fail(`method ${method} is not supported here (GET, POST, PUT, DELETE)`);
  }
  const match = URL_PATTERN.exec(url ?? '');
  if (!match)
    throw fail(
      `url '${url}' must be Type, Type/id or Type/id/_history/version (conditional and search urls come with search)`,
    );
  const [, type, id, versionId] = match as unknown as [string, ResourceType, string | undefined, string | undefined];
  if (!(resourceTypes as readonly string[]).includes(type))
    throw fail(`'${type}' in url '${url}' is not a FHIR R4 resource type`);
  const needsId = method !== 'POST';
  if (needsId !== (id !== undefined))
    throw fail(`${method} needs ${needsId ? 'Type/id' : 'Type'} as its url, found '${url}'`);
  if (versionId && method !== 'GET') throw fail(`only GET may name a version, found '${url}'`);
  const resource = entry.resource;
  if ((method === 'POST' || method === 'PUT') && !resource) throw fail(`${method} needs a resource`);
  if (resource && resource.resourceType !== type)
    throw fail(`url names ${type} but the resource is a ${resource.resourceType}`);
  if (method === 'PUT' && resource?.id !== id)
    throw fail(`url names ${type}/${id} but the resource has id ${resource?.id}`);
  const etag = ifMatch ? /^(?:W\/)?"([^"]+)"$/.exec(ifMatch)?.[1] : undefined;
  if (ifMatch && !etag) throw fail(`ifMatch '${ifMatch}' must be an ETag such as W/"3"`);
  return { index, method, type, id, versionId, ifMatch: etag, resource, label: `${method} ${url}` };
}

/** Ids for the creates, decided first, and what each entry's fullUrl now refers to. */
function assignIds(requests: readonly Request[], entries: readonly BundleEntry[]) {
  const ids = new Map<number, string>();
  const references = new Map<string, string>();
  for (const request of requests) {
    const fullUrl = entries[request.index]?.fullUrl;
    if (request.method === 'POST') {
      const id = randomUUID();
      ids.set(request.index, id);
      if (fullUrl) references.set(fullUrl, `${request.type}/${id}`);
    } else if (request.method === 'PUT' && fullUrl?.startsWith('urn:uuid:')) {
      references.set(fullUrl, `${request.type}/${request.id}`);
    }
  }
  return { ids, references };
}

/** Replaces every `reference` that names an entry's fullUrl with the entry's Type/id. */
function rewriteReferences(resource: AnyResource, references: ReadonlyMap<string, string>): AnyResource {
  if (references.size === 0) return resource;
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] =
        key === 'reference' && typeof value === 'string' && references.has(value)
          ? references.get(value)
          : visit(value);
    }
    return out;
  };
  return visit(resource) as AnyResource;
}

async function execute(store: BundleTarget, request: Request, assignedId: string | undefined): Promise<BundleEntry> {
  const version = (resource: AnyResource) => resource.meta?.versionId as string;
  switch (request.method) {
    case 'POST': {
      const created = await store.create(request.resource as AnyResource, assignedId ? { assignedId } : {});
      return response('201 Created', created, true);
    }
    case 'PUT': {
      const updated = await store.update(
        request.resource as AnyResource,
        request.ifMatch ? { ifMatch: request.ifMatch } : {},
      );
      const created = version(updated) === '1';
      return response(created ? '201 Created' : '200 OK', updated, created);
    }
    case 'DELETE':
      await store.delete(request.type, request.id as string);
      return { response: { status: '204 No Content' } };
    case 'GET': {
      const resource = request.versionId
        ? await store.vread(request.type, request.id as string, request.versionId)
        : await store.read(request.type, request.id as string);
      return { resource, response: { status: '200 OK', etag: `W/"${version(resource)}"` } };
    }
  }
}

function response(status: string, resource: AnyResource, location: boolean): BundleEntry {
  const versionId = resource.meta?.versionId as string;
  return {
    resource,
    response: {
      status,
      etag: `W/"${versionId}"`,
      ...(resource.meta?.lastUpdated ? { lastModified: resource.meta.lastUpdated } : {}),
      ...(location ? { location: `${resource.resourceType}/${resource.id}/_history/${versionId}` } : {}),
    },
  };
}
