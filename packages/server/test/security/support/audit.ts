import type { AuditEvent } from '@mekong/fhir';
import { expect } from 'vitest';
import type { SecurityHost } from './security-host.js';

/** Every AuditEvent matching an AuditEvent search (as an administrator, following next links), newest first. */
export async function auditEvents(host: SecurityHost, query: Record<string, string>): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let url: string | undefined = `/fhir/R4/AuditEvent?${new URLSearchParams({ _count: '100', ...query })}`;
  while (url) {
    const answer = await host.send({ method: 'GET', url });
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    const bundle = answer.json();
    events.push(...(bundle.entry ?? []).map((entry: { resource: AuditEvent }) => entry.resource));
    const next: string | undefined = bundle.link?.find((link: { relation: string }) => link.relation === 'next')?.url;
    url = next ? `${new URL(next).pathname}${new URL(next).search}` : undefined;
  }
  return events;
}

/** The agent identifier of an API key's audit records. */
export function apiKeyAgent(id: string): string {
  return `api-key/${id}`;
}

/** The interaction an AuditEvent records (its subtype code). */
export function interactionOf(event: AuditEvent): string | undefined {
  return event.subtype?.[0]?.code;
}

/** The patient an AuditEvent is about: its patient-role entity, else the entity itself when it is a Patient. */
export function patientOf(event: AuditEvent): string | undefined {
  const role = event.entity?.find((entity) => entity.role?.code === '1')?.what?.reference;
  if (role) return role;
  const what = event.entity?.[0]?.what?.reference;
  return what?.startsWith('Patient/') ? what : undefined;
}
