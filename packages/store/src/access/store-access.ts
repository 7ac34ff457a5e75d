import type { AuditEvent } from '@mekong/fhir';
import { createServiceRef } from '@mekong/kernel';
import type { GatewayAuditEntry } from '../audit/gateway-entry.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { AccessContext } from './access-context.js';
import type { AccessPolicy } from './access-policy.js';
import type { ScopedStore } from './scoped-store.js';

/** Options of {@link StoreAccess.audit}. */
export interface GatewayAuditOptions {
  /**
   * A transaction of {@link StoreAccess.sql} (`sql.transaction(tx => ...)`): the record is written in it and
   * commits or rolls back with the gateway's change.
   */
  readonly transaction?: SqlClient;
}

/**
 * The store as a gateway (the HTTP server) sees it: a handle per request, acting for the caller under the
 * caller's policy. Only the plugins listed in `plugins.store.gateways` receive it.
 */
export interface StoreAccess {
  /** A handle acting for `context` under `policy`, every access audited. */
  scoped(policy: AccessPolicy, context: AccessContext): ScopedStore;
  /**
   * Records one AuditEvent of what the gateway decided or did without a store call: an authentication that
   * failed (`login`, with `UNKNOWN_AGENT` and the address), a call to a restricted function (refused, or used),
   * a credential issued or revoked, a FHIR operation call. Resolves once it is committed, with the event; with
   * `options.transaction`, it commits with that transaction instead (the gateway's own change, such as a key
   * it issues: both or neither). Rejects with an `InvalidAuditEntryError` for an entry the trail cannot hold
   * (a store interaction among them: the store records those itself).
   */
  audit(entry: GatewayAuditEntry, options?: GatewayAuditOptions): Promise<AuditEvent>;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /** The database, for the gateway's own tables (API keys); never for resources. */
  readonly sql: SqlClient;
  /** Which database the store runs on. */
  readonly backend: 'pglite' | 'postgres';
}

/** The gateway service: {@link StoreAccess}, for the plugins named in `plugins.store.gateways` only. */
export const storeAccessServiceRef = createServiceRef<StoreAccess>({ id: 'store.access', scope: 'plugin' });
