/**
 * The Mekong resource store: FHIR R4 resources in PostgreSQL, embedded (PGlite) or on a server (`pg`), with
 * one SQL dialect and one set of migrations for both.
 *
 * @packageDocumentation
 */
export type { AccessContext, Agent, ResourceGrant } from './access/access-context.js';
export { AccessDeniedError } from './access/access-denied.js';
export type { AccessPolicy, Interaction, ResourceRule } from './access/access-policy.js';
export { policyFromGrant, READ_INTERACTIONS, WRITE_INTERACTIONS } from './access/access-policy.js';
export { patientOf } from './access/patient-of.js';
export type { RuleProblem } from './access/policy-check.js';
export { checkAccessPolicy, InvalidAccessPolicyError, ruleProblems } from './access/policy-check.js';
export { allows as policyAllows } from './access/policy-rules.js';
export { ruleForType } from './access/rule-for-type.js';
export { ScopedStore } from './access/scoped-store.js';
export type { GatewayAuditOptions, StoreAccess } from './access/store-access.js';
export { storeAccessServiceRef } from './access/store-access.js';
export type { AuditedCredential } from './audit/audit-credential.js';
export type {
  AuditContext,
  AuditEntry,
  AuditedActivity,
  AuditedInteraction,
  GatewayActivity,
  UnknownAgent,
} from './audit/audit-event.js';
export { UNKNOWN_AGENT } from './audit/audit-event.js';
export type { AuditLogOptions } from './audit/audit-log.js';
export { AuditLog } from './audit/audit-log.js';
export { AuditSearch } from './audit/audit-search.js';
export type { AuditSearchParameter, AuditSearchParameterName } from './audit/audit-search-parameters.js';
export { auditResultParameters, auditSearchParameters } from './audit/audit-search-parameters.js';
export type { GatewayAuditEntry } from './audit/gateway-entry.js';
export { InvalidAuditEntryError } from './audit/gateway-entry.js';
export type { IssueType } from './errors.js';
export {
  InvalidResourceError,
  ResourceDeletedError,
  ResourceNotFoundError,
  StoreError,
  VersionConflictError,
} from './errors.js';
export type { Migration, MigrationSet } from './migrations/migration.js';
export { checksumOf } from './migrations/migration.js';
export type { MigrationReport } from './migrations/run-migrations.js';
export { MigrationError, runMigrations } from './migrations/run-migrations.js';
export { storeMigrations } from './migrations/store-migrations.js';
export type { DeadLetter, OutboxEvent, OutboxHandler, OutboxOptions } from './outbox/outbox.js';
export { Outbox } from './outbox/outbox.js';
export { storeMigrationsExtensionPoint, storePlugin, storeServiceRef } from './plugin/store-plugin.js';
export type { BundleOptions, BundleTarget } from './resources/bundle-processor.js';
export { BundleProcessor, TransactionEntryError } from './resources/bundle-processor.js';
export type { ConditionalOptions, ConditionalResult } from './resources/conditional-writes.js';
export { ConditionalWrites, MultipleMatchesError } from './resources/conditional-writes.js';
export type {
  HistoryOptions,
  PatchOptions,
  ResourceStoreOptions,
  ResourceVersion,
  Stored,
  WriteOptions,
} from './resources/resource-store.js';
export { ResourceStore } from './resources/resource-store.js';
export { MAX_INDEX_VALUES_PER_RESOURCE } from './search/index-entries.js';
export { INDEXED_TEXT_BYTES } from './search/indexed-text.js';
export type { ResourceSearchOptions, SearchOptions, SearchQuery } from './search/search.js';
export {
  DEFAULT_MAX_SORTED_MATCHES,
  InvalidSearchError,
  ResourceSearch,
  SearchTooCostlyError,
} from './search/search.js';
export { supportedSearchParameters } from './search/supported-parameters.js';
export type { DataDirOwner } from './sql/data-dir-lock.js';
export { DataDirInUseError } from './sql/data-dir-lock.js';
export type { DatabaseUnavailableReason } from './sql/database-unavailable.js';
export { DATABASE_RETRY_AFTER_SECONDS, DatabaseUnavailableError } from './sql/database-unavailable.js';
export type { ConnectionLog } from './sql/outage-monitor.js';
export type { PgliteOpenReport, PgliteOptions } from './sql/pglite-client.js';
export { openPglite } from './sql/pglite-client.js';
export { defaultTemplateCacheDir } from './sql/pglite-template.js';
export type { PostgresOptions } from './sql/postgres-client.js';
export { connectPostgres } from './sql/postgres-client.js';
export type { QueryOptions, QueryResult, SqlClient } from './sql/sql-client.js';
export { cancelStatementsOn, sharedStatements } from './sql/statement-scope.js';
export type { MaintenanceReport, TableMaintenanceOptions } from './sql/table-maintenance.js';
export { TableMaintenance } from './sql/table-maintenance.js';
