import type { AnyResource, Observation } from '@mekong/fhir';
import {
  type AccessContext,
  type AccessPolicy,
  AuditLog,
  ResourceStore,
  runMigrations,
  ScopedStore,
  type SqlClient,
  storeMigrations,
} from '../src/index.js';
import { type Backend, isolatedDatabase } from './backends.js';

/** A user at the front desk of a clinic, through the mobile app. */
export const nurse: AccessContext = {
  agent: { kind: 'user', id: 'u-lan', display: 'Điều dưỡng Lan' },
  client: 'ward-tablet',
  address: '10.0.0.7',
};

/**
 * A migrated, empty database for one test, with a raw store and the audit log beside it; `connectAgain` is
 * another client on the same database, as another server process has.
 */
export async function openStore(backend: Backend, now?: () => Date) {
  const { db, connectAgain, dispose } = await isolatedDatabase(backend);
  await runMigrations(db, [storeMigrations]);
  const store = new ResourceStore(db, now ? { now } : {});
  const audit = new AuditLog(db);
  const scoped = (policy: AccessPolicy, context: AccessContext = nurse) =>
    new ScopedStore(store, audit, policy, context, now);
  const count = async (sql: string): Promise<number> =>
    Number((await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`)).rows[0]?.n);
  return { db: db as SqlClient, connectAgain, dispose, store, audit, scoped, count };
}

/** An Observation about a patient. */
export function observation(patient: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
    subject: { reference: patient },
    ...extra,
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { status?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number; code?: string };
  }
  throw new Error('expected a rejection, but it resolved');
}

/** `Type/id` of a resource. */
export const ref = (resource: AnyResource) => `${resource.resourceType}/${resource.id}`;
