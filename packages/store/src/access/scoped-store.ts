import type { AnyResource, ResourceOf, ResourceType } from '@mekong/fhir';
import type { AuditedInteraction } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import { StoreError } from '../errors.js';
import type { ResourceStore, ResourceVersion, Stored } from '../resources/resource-store.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { AccessContext, ResourceGrant } from './access-context.js';
import { patientOf } from './patient-of.js';

/** The caller may not do this to this resource type. Recorded in the audit trail as refused. */
export class AccessDeniedError extends StoreError {
  constructor(context: AccessContext, interaction: string, type: string, access: 'read' | 'write') {
    const who = context.plugin ? `plugin '${context.plugin}'` : `${context.agent.kind} '${context.agent.id}'`;
    super({
      code: 'ACCESS_DENIED',
      status: 403,
      message: `${who} may not ${interaction} ${type}: it is not among the resource types it may ${access}`,
      hint: context.plugin
        ? `declare '${type}' in capabilities.resources.${access} of plugin '${context.plugin}'`
        : `grant ${access} access to '${type}' to ${who}`,
    });
  }
}

/**
 * A store handle for one caller: only the resource types of its grant, and every access (allowed, refused or
 * failed) recorded in the audit trail. A successful write and its audit record commit together. AuditEvents
 * are written by the store alone.
 */
export class ScopedStore {
  constructor(
    private readonly store: ResourceStore,
    private readonly audit: AuditLog,
    private readonly grant: ResourceGrant,
    private readonly context: AccessContext,
    private readonly now: () => Date = () => new Date(),
  ) {}

  create<T extends AnyResource>(resource: T): Promise<Stored<T>> {
    return this.write('create', resource.resourceType, undefined, (within) => this.store.create(resource, { within }));
  }

  update<T extends AnyResource>(resource: T, options: { ifMatch?: string } = {}): Promise<Stored<T>> {
    const entity = resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
    return this.write('update', resource.resourceType, entity, (within) =>
      this.store.update(resource, { ...options, within }),
    );
  }

  delete(type: ResourceType, id: string): Promise<void> {
    return this.write('delete', type, `${type}/${id}`, (within) => this.store.delete(type, id, { within }));
  }

  read<K extends ResourceType>(type: K, id: string): Promise<ResourceOf<K>> {
    return this.readAudited(
      'read',
      type,
      id,
      () => this.store.read(type, id),
      (r) => patientOf(r),
    );
  }

  vread<K extends ResourceType>(type: K, id: string, versionId: string): Promise<ResourceOf<K>> {
    return this.readAudited(
      'vread',
      type,
      id,
      () => this.store.vread(type, id, versionId),
      (r) => patientOf(r),
    );
  }

  history(type: ResourceType, id: string): Promise<ResourceVersion[]> {
    return this.readAudited(
      'history-instance',
      type,
      id,
      () => this.store.history(type, id),
      (versions) => versions.map((v) => patientOf(v.resource)).find(Boolean),
    );
  }

  private allowed(access: 'read' | 'write', type: string): boolean {
    if (access === 'write' && type === 'AuditEvent') return false;
    return this.grant[access].includes(type);
  }

  private async refuse(
    interaction: AuditedInteraction,
    type: string,
    entity: string | undefined,
    access: 'read' | 'write',
  ) {
    const error = new AccessDeniedError(this.context, interaction, type, access);
    await this.audit.record({
      interaction,
      context: this.context,
      ...(entity ? { entity } : {}),
      ...(type === 'Patient' && entity ? { patient: entity } : {}),
      outcome: 'refused',
      detail: error.message,
      recorded: this.now(),
    });
    return error;
  }

  private async write<R>(
    interaction: AuditedInteraction,
    type: string,
    entity: string | undefined,
    work: (within: (tx: SqlClient, stored: AnyResource) => Promise<void>) => Promise<R>,
  ): Promise<R> {
    if (!this.allowed('write', type)) throw await this.refuse(interaction, type, entity, 'write');
    try {
      return await work(async (tx, stored) => {
        const patient = patientOf(stored);
        await this.audit.record(
          {
            interaction,
            context: this.context,
            entity: `${stored.resourceType}/${stored.id}`,
            ...(patient ? { patient } : {}),
            outcome: 'success',
            recorded: this.now(),
          },
          tx,
        );
      });
    } catch (error) {
      await this.audit.record({
        interaction,
        context: this.context,
        ...(entity ? { entity } : {}),
        outcome: 'failed',
        detail: error instanceof Error ? error.message.slice(0, 1000) : String(error),
        recorded: this.now(),
      });
      throw error;
    }
  }

  private async readAudited<R>(
    interaction: AuditedInteraction,
    type: string,
    id: string,
    work: () => Promise<R>,
    patientOfResult: (result: R) => string | undefined,
  ): Promise<R> {
    const entity = `${type}/${id}`;
    if (!this.allowed('read', type)) throw await this.refuse(interaction, type, entity, 'read');
    let result: R;
    try {
      result = await work();
    } catch (error) {
      await this.audit.record({
        interaction,
        context: this.context,
        entity,
        outcome: 'failed',
        detail: error instanceof Error ? error.message : String(error),
        recorded: this.now(),
      });
      throw error;
    }
    const patient = patientOfResult(result);
    // Recorded before the data is handed over: no read goes unaudited.
    await this.audit.record({
      interaction,
      context: this.context,
      entity,
      ...(patient ? { patient } : {}),
      outcome: 'success',
      recorded: this.now(),
    });
    return result;
  }
}
