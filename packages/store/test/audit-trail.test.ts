import { type AuditEvent, type Bundle, validateResource } from '@mekong/fhir';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  type AccessPolicy,
  InvalidSearchError,
  READ_INTERACTIONS,
  WRITE_INTERACTIONS,
} from '../src/index.js';
import { observation, openStore, rejection } from './access-fixtures.js';
import { backends } from './backends.js';

const ALL = [...READ_INTERACTIONS, ...WRITE_INTERACTIONS];
const ward: AccessPolicy = {
  rules: [
    { type: 'Patient', interactions: ALL },
    { type: 'Observation', interactions: ALL },
  ],
};
const auditor: AccessPolicy = { rules: [{ type: 'AuditEvent', interactions: ['read', 'search'] }] };
const auditorContext = { agent: { kind: 'user' as const, id: 'u-audit' } };
const mrn = (value: string) => ({ system: 'urn:hospital:mrn', value });

/** A clock one minute further at each reading, from 2026-03-01. */
function steppingClock() {
  let t = Date.parse('2026-03-01T00:00:00Z');
  return () => {
    t += 60_000;
    return new Date(t);
  };
}

describe.each(backends)('the audit trail on %s', (backend) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it('records exactly one AuditEvent per interaction, one more per Bundle entry, with outcome, agent, client and patient', async () => {
    const opened = await openStore(backend);
    dispose = opened.dispose;
    const { audit, count } = opened;
    const handle = opened.scoped(ward);
    const patient = await handle.create({ resourceType: 'Patient', identifier: [mrn('A-1')] }); // 1
    const pa = `Patient/${patient.id}`;
    const obs = await handle.create(observation(pa)); // 2
    await handle.read('Observation', obs.id); // 3
    await expect(handle.read('Observation', 'missing')).rejects.toThrow(/does not exist/); // 4
    await expect(
      handle.create({ resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } }),
    ).rejects.toBeInstanceOf(AccessDeniedError); // 5
    await handle.search('Observation', { subject: pa }); // 6
    await expect(handle.update({ ...obs, status: 'amended' }, { ifMatch: '9' })).rejects.toThrow(/version 1, not 9/); // 7
    await handle.patch('Observation', obs.id, [{ op: 'replace', path: '/status', value: 'amended' }]); // 8
    await handle.history('Observation', obs.id); // 9
    await handle.typeHistory('Observation'); // 10
    const criteria = { identifier: 'urn:hospital:mrn|B-2' };
    await handle.createIfNoneExist({ resourceType: 'Patient', identifier: [mrn('B-2')] }, criteria); // 11
    await handle.createIfNoneExist({ resourceType: 'Patient', identifier: [mrn('B-2')] }, criteria); // 12
    await handle.updateWhere({ resourceType: 'Patient', identifier: [mrn('B-2')], gender: 'male' }, criteria); // 13
    const transaction = await handle.bundle({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: observation(pa), request: { method: 'POST', url: 'Observation' } },
        { resource: { ...patient, gender: 'female' }, request: { method: 'PUT', url: pa } },
        { request: { method: 'GET', url: pa } },
      ],
    }); // 14: 1 + 3
    expect(transaction.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '200 OK', '200 OK']);
    const batch = await handle.bundle({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: observation(pa), request: { method: 'POST', url: 'Observation' } },
        {
          resource: { resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    }); // 15: 1 + 2
    expect(batch.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '403']);
    const resources = await count('mekong_resource');
    await expect(
      handle.bundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: observation(pa), request: { method: 'POST', url: 'Observation' } },
          { request: { method: 'DELETE', url: 'Observation/missing' } },
        ],
      }),
    ).rejects.toThrow(/Bundle.entry\[1\] \(DELETE Observation\/missing\) failed/); // 16: 1, failed
    await expect(
      handle.bundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: observation(pa), request: { method: 'POST', url: 'Observation' } },
          {
            resource: { resourceType: 'Encounter', status: 'planned', class: { code: 'AMB' } },
            request: { method: 'POST', url: 'Encounter' },
          },
        ],
      }),
    ).rejects.toThrow(/may not create Encounter/); // 17: 1, refused
    expect(await count('mekong_resource')).toBe(resources);
    await handle.delete('Observation', obs.id); // 18
    await handle.delete('Observation', obs.id); // 19: already deleted, still one interaction
    await expect(handle.bundle({ resourceType: 'Bundle', type: 'document' })).rejects.toThrow(
      /must be 'transaction' or 'batch'/,
    ); // 20

    const events = await audit.list();
    expect(events).toHaveLength(20 + 3 + 2);
    for (const event of events) {
      expect(validateResource(event).ok).toBe(true);
      expect(event.agent[0]).toMatchObject({
        who: { identifier: { system: 'urn:mekong:user', value: 'u-lan' }, display: 'Điều dưỡng Lan' },
        requestor: true,
        network: { address: '10.0.0.7' },
      });
      expect(event.agent[1]).toEqual({
        type: { text: 'client' },
        who: { identifier: { system: 'urn:mekong:client', value: 'ward-tablet' } },
        requestor: false,
      });
    }
    const patientOf = (e: AuditEvent) =>
      e.entity?.find((x) => x.role?.code === '1')?.what?.reference ??
      e.entity?.find((x) => x.what?.reference?.startsWith('Patient/'))?.what?.reference;
    expect(
      events.map((e) => [e.subtype?.[0]?.code, e.outcome, patientOf(e) === pa ? 'A' : patientOf(e) ? 'other' : '-']),
    ).toEqual([
      ['create', '0', 'A'],
      ['create', '0', 'A'],
      ['read', '0', 'A'],
      ['read', '8', '-'],
      ['create', '4', '-'],
      ['search-type', '0', 'A'],
      ['update', '8', '-'],
      ['patch', '0', 'A'],
      ['history-instance', '0', 'A'],
      ['history-type', '0', 'A'],
      ['create', '0', 'other'],
      ['create', '0', 'other'],
      ['update', '0', 'other'],
      // Transaction entries in FHIR order (creates, updates, reads), then the transaction, all committed together.
      ['create', '0', 'A'],
      ['update', '0', 'A'],
      ['read', '0', 'A'],
      ['transaction', '0', '-'],
      ['create', '0', 'A'],
      ['create', '4', '-'],
      ['batch', '0', '-'],
      ['transaction', '8', '-'],
      ['transaction', '4', '-'],
      ['delete', '0', 'A'],
      ['delete', '0', '-'],
      ['transaction', '8', '-'],
    ]);
    const search = events[5] as AuditEvent;
    expect(search.action).toBe('E');
    expect(Buffer.from(search.entity?.[0]?.query ?? '', 'base64').toString()).toBe(`subject=${encodeURIComponent(pa)}`);
    expect(events[20]?.outcomeDesc).toMatch(/Bundle.entry\[1\].*nothing of the transaction was written/);
    expect(events[18]?.outcomeDesc).toMatch(/may not create Encounter/);
  });

  it('searches the audit trail by patient, agent, entity, date, action, subtype and outcome, paged, and audits that', async () => {
    const opened = await openStore(backend, steppingClock());
    dispose = opened.dispose;
    const { store, scoped, audit } = opened;
    const nurseHandle = scoped(ward);
    const pharmacy = scoped(
      { rules: [{ type: 'MedicationRequest', interactions: ALL }] },
      { agent: { kind: 'plugin', id: 'pharmacy' }, plugin: 'pharmacy' },
    );
    const a = await nurseHandle.create({ resourceType: 'Patient' }); // 00:01
    const b = await nurseHandle.create({ resourceType: 'Patient' }); // 00:03
    const [pa, pb] = [`Patient/${a.id}`, `Patient/${b.id}`];
    await nurseHandle.read('Patient', a.id);
    await expect(pharmacy.read('Patient', b.id)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(nurseHandle.read('Patient', 'missing')).rejects.toThrow();
    await nurseHandle.search('Observation', { patient: a.id });
    const reviewer = scoped(auditor, auditorContext);
    // The reviewer's own searches are audited too: leave them out (agent) unless a query says otherwise.
    const ids = async (query: Record<string, string | string[]>) =>
      ((await reviewer.search('AuditEvent', { agent: 'u-lan,pharmacy', ...query })).entry ?? []).map(
        (e) => e.resource as AuditEvent,
      );
    const codes = (events: AuditEvent[]) => events.map((e) => `${e.subtype?.[0]?.code}:${e.outcome}`);

    expect(codes(await ids({ patient: pa }))).toEqual(['search-type:0', 'read:0', 'create:0']);
    expect(codes(await ids({ patient: a.id as string, _sort: 'date' }))).toEqual([
      'create:0',
      'read:0',
      'search-type:0',
    ]);
    expect(codes(await ids({ entity: pb }))).toEqual(['read:4', 'create:0']);
    expect(codes(await ids({ agent: 'pharmacy' }))).toEqual(['read:4']);
    expect(codes(await ids({ agent: 'urn:mekong:plugin|pharmacy' }))).toEqual(['read:4']);
    expect(await ids({ agent: 'urn:mekong:user|pharmacy' })).toEqual([]);
    expect(await ids({ agent: 'ward-tablet' })).toHaveLength(5);
    expect(await ids({ agent: 'u-lan,pharmacy' })).toHaveLength(6);
    expect(codes(await ids({ outcome: '4' }))).toEqual(['read:4']);
    expect(codes(await ids({ outcome: '8' }))).toEqual(['read:8']);
    expect(codes(await ids({ action: 'E' }))).toEqual(['search-type:0']);
    expect(await ids({ action: 'R' })).toHaveLength(3);
    expect(await ids({ subtype: 'read' })).toHaveLength(3);
    expect(await ids({ subtype: 'http://hl7.org/fhir/restful-interaction|create', outcome: '0' })).toHaveLength(2);
    const all = await ids({ _sort: 'date' });
    const times = all.map((e) => e.recorded);
    expect(times).toEqual([...times].sort());
    const between = await ids({ date: [`ge${times[1]}`, `le${times[3]}`] });
    expect(between.map((e) => e.recorded).sort()).toEqual(times.slice(1, 4));
    expect(await ids({ date: 'lt2026-03-01' })).toEqual([]);
    expect(await ids({ date: 'ge2026-03-01' })).toHaveLength(all.length);

    // Paging: newest first by default, each event once.
    const paged: string[] = [];
    let page: Bundle = await reviewer.search('AuditEvent', { _count: '2', agent: 'u-lan,pharmacy' });
    for (;;) {
      paged.push(...(page.entry ?? []).map((e) => e.resource?.id as string));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      page = await reviewer.search('AuditEvent', new URLSearchParams(next.split('?')[1]));
    }
    const everything = await audit.list();
    const searched = everything.filter((e) => e.agent[0]?.who?.identifier?.value === 'u-audit');
    expect(paged).toEqual(all.map((e) => e.id).reverse());
    expect(searched.length).toBeGreaterThan(0);
    expect(searched.every((e) => e.subtype?.[0]?.code === 'search-type' && e.outcome === '0')).toBe(true);
    expect(Buffer.from(searched[0]?.entity?.[0]?.query ?? '', 'base64').toString()).toBe(
      `agent=u-lan%2Cpharmacy&patient=${encodeURIComponent(pa)}`,
    );
    expect(searched[0]?.entity?.find((x) => x.role?.code === '1')?.what?.reference).toBe(pa);
    expect((await reviewer.read('AuditEvent', searched[0]?.id as string)).id).toBe(searched[0]?.id);

    // Bad parameters are refused with a 400 naming them, and audited as failed.
    const before = (await audit.list()).length;
    const bad: [Record<string, string>, RegExp][] = [
      [
        { foo: '1' },
        /'foo': is not a search parameter of the audit trail; AuditEvent searches support patient, agent,/,
      ],
      [{ _total: 'accurate' }, /'_total'/],
      [{ outcome: '9' }, /'outcome': must be 0 \(success\), 4 \(refused\) or 8 \(failed\)/],
      [{ action: 'X' }, /'action': must be C, R, U, D or E/],
      [{ date: 'yesterday' }, /'date': 'yesterday' is not a date/],
      [{ _count: '0' }, /'_count': must be a whole number/],
      [{ _sort: 'agent' }, /'_sort': AuditEvents sort by date only/],
      [{ _cursor: 'bm9wZQ' }, /'_cursor': is not a cursor/],
      [{ patient: 'Observation/x' }, /'patient': 'Observation\/x' is not a Patient/],
      [{ entity: 'not a reference' }, /'entity': 'not a reference' is not a reference/],
      [{ agent: '' }, /'agent': is empty/],
      [{ subtype: 'READ!' }, /'subtype'/],
    ];
    for (const [query, message] of bad) {
      const error = await rejection(reviewer.search('AuditEvent', query));
      expect(error).toBeInstanceOf(InvalidSearchError);
      expect(error.status).toBe(400);
      expect(error.message).toMatch(message);
    }
    const failures = (await audit.list()).slice(before);
    expect(failures.map((e) => e.outcome)).toEqual(bad.map(() => '8'));

    // Without a rule for it, the audit trail is refused; with a compartment, only its patients' events.
    await expect(nurseHandle.search('AuditEvent', {})).rejects.toBeInstanceOf(AccessDeniedError);
    const patientView = scoped({ ...auditor, compartment: [pb] }, { agent: { kind: 'user', id: 'patient-b' } });
    const own = (await patientView.search('AuditEvent', { _count: '100' })).entry?.map((e) => e.resource as AuditEvent);
    const [searches, others] = [
      (own ?? []).filter((e) => e.subtype?.[0]?.code === 'search-type'),
      (own ?? []).filter((e) => e.subtype?.[0]?.code !== 'search-type'),
    ];
    expect(codes(others)).toEqual(['read:4', 'create:0']);
    // The reviewer's searches whose results were all about B are about B too (entity, agent=pharmacy, outcome=4...).
    expect(searches).toHaveLength(4);
    expect(searches.every((e) => e.agent[0]?.who?.identifier?.value === 'u-audit')).toBe(true);
    await expect(patientView.read('AuditEvent', searched[0]?.id as string)).rejects.toBeInstanceOf(AccessDeniedError);
    expect(store).toBeDefined();
  });
});
