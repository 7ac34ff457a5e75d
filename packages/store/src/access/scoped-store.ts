import type { AnyResource, AuditEvent, Bundle, ResourceOf, ResourceType } from '@mekong/fhir';
import type { AuditEntry, AuditedInteraction } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.js';
import { AuditSearch } from '../audit/audit-search.js';
import { StoreError } from '../errors.js';
import { BundleProcessor, type BundleTarget } from '../resources/bundle-processor.js';
import { type ConditionalResult, ConditionalWrites } from '../resources/conditional-writes.js';
import { ResourceStore, type ResourceVersion, type Stored, type WriteOptions } from '../resources/resource-store.js';
import { queryEntries, ResourceSearch, type SearchOptions, type SearchQuery } from '../search/search.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { AccessContext } from './access-context.js';
import { AccessDeniedError, callerOf } from './access-denied.js';
import type { AccessPolicy, Interaction } from './access-policy.js';
import { keepingPaths, withoutPaths } from './field-paths.js';
import { hiddenElementSearched } from './hidden-parameters.js';
import { patientOf } from './patient-of.js';
import { checkAccessPolicy } from './policy-check.js';
import { allows, hiddenElementsOf, hiddenFieldsOf, protectedFieldsOf } from './policy-rules.js';
import { namedPatient } from './search-patient.js';

/** The policy interaction each audited interaction needs. */
const NEEDS: Record<AuditedInteraction, Interaction | undefined> = {
  create: 'create',
  read: 'read',
  vread: 'vread',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  'history-instance': 'history',
  'history-type': 'history',
  'search-type': 'search',
  transaction: undefined,
  batch: undefined,
};

type Hooks = Required<Pick<WriteOptions, 'prepare' | 'audit'>>;
type Recorded = Omit<AuditEntry, 'context' | 'recorded'>;
/** What a record says about the interaction besides its name and outcome. */
type About = Omit<Recorded, 'interaction' | 'outcome'>;

const outcomeOf = (error: unknown) => (error instanceof StoreError && error.status === 403 ? 'refused' : 'failed');
const detailOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/**
 * A store handle for one caller under an {@link AccessPolicy}: deny by default, only the interactions its
 * rules allow, only its patients' data when it has a compartment, hidden elements left out of everything it
 * receives and read-only ones kept on writes. A policy whose hidden or read-only paths name no element of their
 * type is refused with an `InvalidAccessPolicyError` (see `checkAccessPolicy`). Every interaction, allowed,
 * refused or failed, records one AuditEvent: a write's commits with the write, a read's before the data is
 * returned. AuditEvents are written by the store alone.
 */
export class ScopedStore {
  // A handle bound to a transaction: refusals and failures are recorded by the transaction, not here.
  private inTransaction = false;

  constructor(
    private readonly store: ResourceStore,
    private readonly audit: AuditLog,
    /** What the caller may do. */
    readonly policy: AccessPolicy,
    /** Who the caller is, as the audit trail records it. */
    readonly context: AccessContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    // A hidden or read-only path that names no element would hide nothing, silently: refuse the handle.
    checkAccessPolicy(policy, callerOf(context));
  }

  /** Creates a resource (a new id, version 1); read-only elements the caller sent are dropped. */
  create<T extends AnyResource>(resource: T): Promise<Stored<T>> {
    return this.createAs(resource, undefined);
  }

  /**
   * Creates the resource unless one matching `criteria` exists (FHIR If-None-Exist); the caller needs
   * `create` and `search`. Only resources the caller may see are matched.
   */
  createIfNoneExist<T extends AnyResource>(resource: T, criteria: SearchQuery): Promise<ConditionalResult<T>> {
    return this.conditional('create', resource, criteria, (writes, options) =>
      writes.createIfNoneExist(resource, criteria, options),
    );
  }

  /**
   * Writes a new version of the resource (or creates it with its id); with `ifMatch`, only if that is still
   * the current version. Read-only and hidden elements keep their stored values.
   */
  update<T extends AnyResource>(resource: T, options: { ifMatch?: string } = {}): Promise<Stored<T>> {
    const entity = resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
    return this.write('update', resource.resourceType, entity, (hooks) =>
      this.store.update(resource, { ...options, ...hooks }),
    );
  }

  /**
   * Updates the one resource matching `criteria`, or creates it when none does (FHIR conditional update);
   * the caller needs `update` and `search`.
   */
  updateWhere<T extends AnyResource>(resource: T, criteria: SearchQuery): Promise<ConditionalResult<T>> {
    return this.conditional('update', resource, criteria, (writes, options) =>
      writes.updateWhere(resource, criteria, options),
    );
  }

  /**
   * Applies a JSON Patch to what the caller sees of the current version (hidden elements are not there);
   * read-only and hidden elements keep their stored values.
   */
  patch(type: ResourceType, id: string, operations: unknown, options: { ifMatch?: string } = {}): Promise<AnyResource> {
    return this.write('patch', type, `${type}/${id}`, (hooks) =>
      this.store.patch(type, id, operations, {
        ...options,
        ...hooks,
        view: (current) => withoutPaths(current, hiddenFieldsOf(this.policy, type)),
      }),
    );
  }

  /** Deletes the resource (its history stays). */
  delete(type: ResourceType, id: string): Promise<void> {
    return this.write('delete', type, `${type}/${id}`, ({ audit }) => this.store.delete(type, id, { audit }));
  }

  /** The current version. */
  read<K extends ResourceType>(type: K, id: string): Promise<ResourceOf<K>> {
    return this.readOne('read', type, id, () =>
      type === 'AuditEvent' ? (this.audit.read(id) as Promise<ResourceOf<K>>) : this.store.read(type, id),
    );
  }

  /** One version, current or past. */
  vread<K extends ResourceType>(type: K, id: string, versionId: string): Promise<ResourceOf<K>> {
    return this.readOne('vread', type, id, () => this.store.vread(type, id, versionId));
  }

  /** Every version of one resource, newest first. */
  async history(type: ResourceType, id: string): Promise<ResourceVersion[]> {
    const entity = `${type}/${id}`;
    const compartment = this.policy.compartment;
    return this.audited('history-instance', type, { entity }, async () => {
      const versions = await this.store.history(type, id, compartment ? { compartment } : {});
      if (versions.length === 0) throw this.outsideCompartment('history', entity, undefined);
      const patient = versions.map((v) => patientOf(v.resource)).find(Boolean);
      return { result: versions.map((v) => this.viewVersion(v)), audit: { entity, ...(patient ? { patient } : {}) } };
    });
  }

  /** Versions of every resource of a type the caller may see, newest first. */
  typeHistory(type: ResourceType, options: { since?: Date; count?: number } = {}): Promise<ResourceVersion[]> {
    const compartment = this.policy.compartment;
    return this.audited('history-type', type, { resourceType: type }, async () => {
      const versions = await this.store.typeHistory(type, { ...options, ...(compartment ? { compartment } : {}) });
      const patient = onePatient(
        compartment,
        versions.map((v) => patientOf(v.resource)),
      );
      return {
        result: versions.map((v) => this.viewVersion(v)),
        audit: { resourceType: type, ...(patient ? { patient } : {}) },
      };
    });
  }

  /**
   * A FHIR search, limited to what the caller may see: its compartment's resources (in SQL, so paging is
   * right), and `_include`/`_revinclude` of types it may read. `AuditEvent` searches the audit trail.
   */
  search(type: ResourceType, query: SearchQuery): Promise<Bundle> {
    const text = new URLSearchParams(queryEntries(query)).toString();
    const compartment = this.policy.compartment;
    return this.audited('search-type', type, { resourceType: type, query: text }, async () => {
      const bundle =
        type === 'AuditEvent'
          ? await new AuditSearch(this.store.db).search(query, {
              caller: callerOf(this.context),
              ...(compartment ? { compartment } : {}),
            })
          : await new ResourceSearch(this.store.db, this.store.options.search).search(
              type,
              query,
              this.searchOptions(),
            );
      const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
      const patient =
        type === 'AuditEvent'
          ? onePatient(
              compartment,
              matches.map((e) => auditPatientOf(e.resource as AuditEvent)),
            )
          : (onePatient(compartment, [], namedPatient(type, query)) ??
            onePatient(
              compartment,
              matches.map((e) => patientOf(e.resource as AnyResource)),
            ));
      return {
        result: {
          ...bundle,
          entry: (bundle.entry ?? []).map((e) => (e.resource ? { ...e, resource: this.view(e.resource) } : e)),
        },
        audit: { resourceType: type, query: text, ...(patient ? { patient } : {}) },
      };
    });
  }

  /**
   * Runs a transaction (all or nothing) or batch Bundle, each entry checked against the policy and audited as
   * its own interaction; the Bundle itself records one more AuditEvent (`transaction` or `batch`). A
   * transaction's records commit with it; when it fails, only the failure is recorded.
   */
  async bundle(input: unknown): Promise<Bundle> {
    const kind: 'transaction' | 'batch' =
      (input as { type?: unknown } | null)?.type === 'batch' ? 'batch' : 'transaction';
    const processor = new BundleProcessor(this.store.db, this.store.options);
    const count = Array.isArray((input as { entry?: unknown } | null)?.entry)
      ? (input as { entry: unknown[] }).entry.length
      : 0;
    try {
      if (kind === 'transaction') {
        return await processor.process(input, {
          target: (tx) => this.bound(tx).entryTarget(),
          within: (tx, response) =>
            this.record(
              { interaction: 'transaction', outcome: 'success', detail: `${response.entry?.length ?? 0} entries` },
              tx,
            ),
        });
      }
      const response = await processor.process(input, { target: () => this.entryTarget() });
      const failed = (response.entry ?? []).filter((e) => !/^2/.test(e.response?.status ?? '')).length;
      await this.record({
        interaction: 'batch',
        outcome: 'success',
        detail: `${count} entries, ${count - failed} succeeded, ${failed} failed`,
      });
      return response;
    } catch (error) {
      await this.record({ interaction: kind, outcome: outcomeOf(error), detail: detailOf(error) });
      throw error;
    }
  }

  private createAs<T extends AnyResource>(resource: T, assignedId: string | undefined): Promise<Stored<T>> {
    return this.write('create', resource.resourceType, undefined, (hooks) =>
      this.store.create(resource, { ...hooks, ...(assignedId ? { assignedId } : {}) }),
    );
  }

  /** This handle on a transaction's connection: its writes and records commit with the transaction. */
  private bound(tx: SqlClient): ScopedStore {
    const scoped = new ScopedStore(
      new ResourceStore(tx, this.store.options),
      new AuditLog(tx),
      this.policy,
      this.context,
      this.now,
    );
    scoped.inTransaction = true;
    return scoped;
  }

  private entryTarget(): BundleTarget {
    return {
      create: (resource, options) => this.createAs(resource, options.assignedId),
      update: (resource, options) => this.update(resource, options),
      delete: (type, id) => this.delete(type, id),
      read: (type, id) => this.read(type, id),
      vread: (type, id, versionId) => this.vread(type, id, versionId),
    };
  }

  private searchOptions(): SearchOptions {
    const visible = (type: ResourceType) => allows(this.policy, type, 'search') || allows(this.policy, type, 'read');
    return {
      ...(this.policy.compartment ? { compartment: this.policy.compartment } : {}),
      mayInclude: visible,
      caller: callerOf(this.context),
      checkParameter: (type, parameter, asked) => {
        const hidden = hiddenElementSearched(type, parameter, hiddenElementsOf(this.policy, type));
        if (!hidden) return;
        // A sort by it would reveal the element's order, as a search reveals its value.
        const sort = asked === '_sort';
        throw new AccessDeniedError(
          this.context,
          'search',
          type,
          sort
            ? `'_sort' sorts by '${parameter.code}', a parameter over ${type}.${hidden}, which its access policy hides`
            : `the search parameter '${parameter.code}' reads ${type}.${hidden}, which its access policy hides`,
          `${sort ? 'sort' : 'search'} by parameters over elements it may see`,
        );
      },
      checkChain: (type) => {
        if (!visible(type))
          throw new AccessDeniedError(
            this.context,
            'search',
            type,
            `a chained parameter searches ${type}, which its access policy does not let it read`,
          );
      },
    };
  }

  private view<T>(resource: T): T {
    const type = (resource as { resourceType?: string } | undefined)?.resourceType;
    if (!type) return resource;
    return withoutPaths(resource as unknown as AnyResource, hiddenFieldsOf(this.policy, type)) as unknown as T;
  }

  private viewVersion(version: ResourceVersion): ResourceVersion {
    return { ...version, resource: this.view(version.resource) };
  }

  private entry(entry: Recorded): AuditEntry {
    return { ...entry, context: this.context, recorded: this.now() };
  }

  private async record(entry: Recorded, tx?: SqlClient): Promise<void> {
    await this.audit.record(this.entry(entry), tx);
  }

  /** Records a refusal or failure, unless a transaction records it. */
  private async recordProblem(entry: Recorded): Promise<void> {
    if (!this.inTransaction) await this.record(entry);
  }

  private deny(interaction: AuditedInteraction, type: string): AccessDeniedError | undefined {
    const needed = NEEDS[interaction];
    if (needed && !allows(this.policy, type, needed)) return new AccessDeniedError(this.context, needed, type);
    return undefined;
  }

  private outsideCompartment(interaction: Interaction, target: string, patient: string | undefined) {
    return new AccessDeniedError(
      this.context,
      interaction,
      target,
      // Never name the other patient: the caller would learn whose record the id is (the audit names them).
      `${patient ? 'it is about another patient' : 'it is about no patient'}, outside the patients it may access`,
      `only resources about ${this.policy.compartment?.join(', ')} are accessible to it`,
    );
  }

  private inCompartment(patient: string | undefined): boolean {
    const compartment = this.policy.compartment;
    return !compartment || (patient !== undefined && compartment.includes(patient));
  }

  /** Runs a read-side interaction: refused unless allowed, recorded before its result is returned. */
  private async audited<R>(
    interaction: AuditedInteraction,
    type: string,
    about: About,
    work: () => Promise<{ result: R; audit: About }>,
  ): Promise<R> {
    const denied = this.deny(interaction, type);
    if (denied) {
      // Unread, a resource's patient is unknown; a Patient's is itself.
      const patient = type === 'Patient' ? about.entity : undefined;
      await this.recordProblem({
        interaction,
        ...about,
        ...(patient ? { patient } : {}),
        outcome: 'refused',
        detail: denied.message,
      });
      throw denied;
    }
    let done: { result: R; audit: About };
    try {
      done = await work();
    } catch (error) {
      const patient = error instanceof PatientRefusal ? error.patient : undefined;
      const cause = error instanceof PatientRefusal ? error.refusal : error;
      await this.recordProblem({
        interaction,
        ...about,
        ...(patient ? { patient } : {}),
        outcome: outcomeOf(cause),
        detail: detailOf(cause),
      });
      throw cause;
    }
    // Recorded before the data is handed over: no read goes unaudited.
    await this.record({ interaction, ...done.audit, outcome: 'success' });
    return done.result;
  }

  private readOne<R extends AnyResource>(
    interaction: 'read' | 'vread',
    type: string,
    id: string,
    work: () => Promise<R>,
  ): Promise<R> {
    const entity = `${type}/${id}`;
    return this.audited(interaction, type, { entity }, async () => {
      const resource = await work();
      const patient = type === 'AuditEvent' ? auditPatientOf(resource as AuditEvent) : patientOf(resource);
      if (!this.inCompartment(patient)) {
        throw new PatientRefusal(this.outsideCompartment(interaction, entity, patient), patient);
      }
      return { result: this.view(resource), audit: { entity, ...(patient ? { patient } : {}) } };
    });
  }

  /**
   * Runs a write: refused unless allowed; read-only elements kept and the compartment checked inside the
   * write's transaction, where its audit record is written too.
   */
  private async write<R>(
    interaction: AuditedInteraction,
    type: string,
    entity: string | undefined,
    work: (hooks: Hooks) => Promise<R>,
    about: About = {},
  ): Promise<R> {
    const denied = this.deny(interaction, type);
    if (denied) {
      await this.recordProblem({
        interaction,
        ...about,
        ...(entity ? { entity } : {}),
        ...(type === 'Patient' && entity ? { patient: entity } : {}),
        outcome: 'refused',
        detail: denied.message,
      });
      throw denied;
    }
    let recorded = false;
    const state: { before?: string | undefined; existed?: boolean } = {};
    const hooks: Hooks = {
      prepare: (incoming, current) => {
        state.existed = current !== undefined;
        state.before = current ? patientOf(current) : undefined;
        const reference = `${incoming.resourceType}/${current?.id ?? incoming.id ?? ''}`;
        if (current && !this.inCompartment(state.before)) {
          throw this.outsideCompartment(NEEDS[interaction] as Interaction, reference, state.before);
        }
        const fields = protectedFieldsOf(this.policy, incoming.resourceType);
        return current ? keepingPaths(incoming, current, fields) : withoutPaths(incoming, fields);
      },
      audit: (stored) => {
        const patient = patientOf(stored);
        const reference = `${stored.resourceType}/${stored.id}`;
        const needed = NEEDS[interaction] as Interaction;
        if (state.existed && interaction !== 'delete' && patient !== state.before && this.policy.compartment) {
          throw new AccessDeniedError(
            this.context,
            needed,
            reference,
            `it would move the resource from ${state.before ?? 'no patient'} to ${patient ?? 'no patient'}`,
            'a resource keeps the patient it is about: create a new one for another patient',
          );
        }
        if (!this.inCompartment(patient)) throw this.outsideCompartment(needed, reference, patient);
        recorded = true;
        return this.entry({
          interaction,
          ...about,
          entity: reference,
          ...(patient ? { patient } : {}),
          outcome: 'success',
        });
      },
    };
    let result: R;
    try {
      result = await work(hooks);
    } catch (error) {
      await this.recordProblem({
        interaction,
        ...about,
        ...(entity ? { entity } : {}),
        outcome: outcomeOf(error),
        detail: detailOf(error),
      });
      throw error;
    }
    // A write that wrote nothing (deleting what is already deleted) is still one interaction.
    if (!recorded) await this.record({ interaction, ...about, ...(entity ? { entity } : {}), outcome: 'success' });
    return this.view(result);
  }

  private async conditional<T extends AnyResource>(
    interaction: 'create' | 'update',
    resource: T,
    criteria: SearchQuery,
    run: (
      writes: ConditionalWrites,
      options: Parameters<ConditionalWrites['createIfNoneExist']>[2] & object,
    ) => Promise<ConditionalResult<T>>,
  ): Promise<ConditionalResult<T>> {
    const type = resource.resourceType;
    const query = new URLSearchParams(queryEntries(criteria)).toString();
    const searchDenied = this.deny('search-type', type);
    if (searchDenied && !this.deny(interaction, type)) {
      await this.recordProblem({
        interaction,
        resourceType: type,
        query,
        outcome: 'refused',
        detail: searchDenied.message,
      });
      throw searchDenied;
    }
    const writes = new ConditionalWrites(this.store.db, this.store.options);
    const result = await this.write(
      interaction,
      type,
      undefined,
      (hooks) =>
        run(writes, {
          prepare: hooks.prepare,
          search: this.searchOptions(),
          // Recorded in the transaction once the outcome is known: the match found (no write) is checked and
          // recorded like a written resource.
          within: (tx, found) => this.audit.record(hooks.audit(found.resource), tx).then(() => undefined),
        }),
      { resourceType: type, query },
    );
    return { ...result, resource: this.view(result.resource) };
  }
}

/** A compartment refusal that knows the patient, so the audit record names whose data it was. */
class PatientRefusal extends Error {
  constructor(
    readonly refusal: AccessDeniedError,
    readonly patient: string | undefined,
  ) {
    super(refusal.message);
  }
}

/** The patient an AuditEvent is about: its entity in the patient role, or the Patient acted on. */
function auditPatientOf(event: AuditEvent): string | undefined {
  const entities = event.entity ?? [];
  return (
    entities.find((e) => e.role?.code === '1')?.what?.reference ??
    entities.find((e) => e.what?.reference?.startsWith('Patient/'))?.what?.reference
  );
}

/**
 * The one patient an interaction concerns: the compartment's only patient, else the only patient among
 * `candidates` (named in the query, or found in the results).
 */
function onePatient(
  compartment: readonly string[] | undefined,
  found: readonly (string | undefined)[],
  named?: string,
): string | undefined {
  if (compartment?.length === 1) return compartment[0];
  if (named) return named;
  const patients = new Set(found.filter((p): p is string => p !== undefined));
  return patients.size === 1 ? [...patients][0] : undefined;
}
