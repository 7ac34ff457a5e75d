import {
  coreServices,
  createEventType,
  createServiceFactory,
  createServiceRef,
  type DomainEvent,
  definePlugin,
  type EventsService,
  type SchedulerService,
} from '@mekong/kernel';
import { createManualClock, startTestHost, testServices } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plugin, sleep } from './fixtures.js';

const patientAdmitted = createEventType({
  type: 'patient.admitted',
  schema: z.object({ patientId: z.string().min(1), ward: z.string() }),
});

describe('core services', () => {
  it('config: applies schema defaults and hands the plugin its typed section; others read the whole config', async () => {
    const seen: unknown[] = [];
    const triage = definePlugin({
      id: 'triage',
      version: '0.1.0',
      kernel: '^0.1.0',
      config: z.object({
        alertLevel: z.number().int().default(2),
        wards: z.array(z.string()).default(['emergency']),
        escalation: z.object({ afterMinutes: z.number().default(15) }).prefault({}),
      }),
      register(env) {
        env.registerInit({
          deps: { config: coreServices.config },
          init({ config }, context) {
            seen.push(context.config, config.get('hospital.name'), config.kernel.initTimeoutMs, config.get('nope.x'));
          },
        });
      },
    });
    await startTestHost({
      plugins: [triage],
      config: { hospital: { name: 'Bệnh viện huyện' }, plugins: { triage: { alertLevel: 3 } } },
    });
    expect(seen).toEqual([
      { alertLevel: 3, wards: ['emergency'], escalation: { afterMinutes: 15 } },
      'Bệnh viện huyện',
      30_000,
      undefined,
    ]);
  });

  it('logger: each plugin gets a child logger that names it', async () => {
    const capture = testServices.capturingLogger('info');
    await startTestHost({
      plugins: [
        plugin('emr', {
          register: (env) =>
            env.registerInit({ deps: { log: coreServices.logger }, init: ({ log }) => log.info('emr ready') }),
        }),
      ],
      services: [capture.factory],
    });
    expect(capture.lines.find((l) => l.msg === 'emr ready')).toMatchObject({ plugin: 'emr', level: 30 });
    expect(capture.lines.find((l) => l.msg === 'host started')).toMatchObject({ component: 'host' });
  });

  it('events: typed, validated, delivered at least once with retries, then dead-lettered', async () => {
    let events: EventsService | undefined;
    const received: DomainEvent<{ patientId: string }>[] = [];
    let failuresLeft = 2;
    const emr = plugin('emr', {
      register: (env) =>
        env.registerInit({
          deps: { events: coreServices.events },
          init: (d) => {
            events = d.events;
          },
        }),
    });
    const ward = plugin('ward', {
      register: (env) =>
        env.registerInit({
          deps: { events: coreServices.events },
          init({ events: bus }) {
            bus.subscribe(patientAdmitted, (event) => {
              if (failuresLeft-- > 0) throw new Error('bed board offline');
              received.push(event);
            });
            bus.subscribe(
              patientAdmitted,
              () => {
                throw new Error('always fails');
              },
              { name: 'broken-subscriber' },
            );
          },
        }),
    });
    const test = await startTestHost({
      plugins: [emr, ward],
      config: { kernel: { events: { maxAttempts: 3, backoffMs: 5 } } },
      services: [testServices.clock(createManualClock('2026-03-01T08:00:00Z'))],
    });
    const published = await events?.publish(patientAdmitted, { patientId: 'p1', ward: 'ICU' });
    await expect(events?.publish(patientAdmitted, { patientId: '', ward: 'ICU' })).rejects.toThrow(
      /\[emr\] payload of 'patient.admitted' is invalid: patientId: /,
    );
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({
      id: published?.id,
      source: 'emr',
      attempt: 3,
      occurredAt: '2026-03-01T08:00:00.000Z',
      payload: { patientId: 'p1' },
    });
    const bus = test.get(coreServices.eventBus);
    await expect.poll(() => bus.deadLetters().length).toBe(1);
    expect(bus.deadLetters()[0]).toMatchObject({
      subscriber: 'broken-subscriber',
      error: 'always fails',
      event: { id: published?.id },
    });
  });

  it('scheduler: tasks run after start, can be triggered, and stop with the plugin', async () => {
    let runs = 0;
    let scheduler: SchedulerService | undefined;
    const test = await startTestHost({
      plugins: [
        plugin('claims', {
          register: (env) =>
            env.registerInit({
              deps: { scheduler: coreServices.scheduler },
              init(deps) {
                scheduler = deps.scheduler;
                scheduler.scheduleTask({ id: 'upload', frequencyMs: 10, initialDelayMs: 0, fn: () => void runs++ });
              },
            }),
        }),
      ],
    });
    await expect.poll(() => runs).toBeGreaterThanOrEqual(2);
    await scheduler?.triggerTask('upload');
    await expect(scheduler?.triggerTask('nope')).rejects.toThrow(/no task 'nope' is scheduled/);
    expect(() => scheduler?.scheduleTask({ id: 'upload', frequencyMs: 10, fn: () => {} })).toThrow(/already scheduled/);
    expect(() => scheduler?.scheduleTask({ id: 'bad', frequencyMs: 0, fn: () => {} })).toThrow(/frequencyMs 0/);
    await test.stop();
    const after = runs;
    await sleep(40);
    expect(runs).toBe(after);
  });

  it('host.get returns root services and refuses plugin-scoped or unknown ones', async () => {
    const clock = createManualClock('2026-01-01T00:00:00Z');
    const test = await startTestHost({ plugins: [], services: [testServices.clock(clock)] });
    expect(test.get(coreServices.clock)).toBe(clock);
    expect(() => test.get(coreServices.logger)).toThrow(/'core.logger' is not available: it is plugin-scoped/);
    expect(() => test.get(createServiceRef<string>({ id: 'x.unknown' }))).toThrow(
      /not available: neither the host nor an installed plugin provides it/,
    );
    await test.stop();
    expect(() => test.get(coreServices.clock)).toThrow(/the host is stopped/);
  });

  it('a plugin-scoped service of a plugin gives each consumer its own instance, with its identity and manifest', async () => {
    const handleRef = createServiceRef<{ owner: string | undefined; writes: readonly string[]; providerLog: string }>({
      id: 'records.handle',
      scope: 'plugin',
    });
    const records = plugin('records', {
      register: (env) =>
        env.provideService(
          createServiceFactory({
            service: handleRef,
            deps: { log: coreServices.logger },
            factory: ({ log }, { pluginId, manifest }) => ({
              owner: pluginId,
              writes: manifest?.capabilities.resources.write ?? [],
              providerLog: String(log.bindings().plugin),
            }),
          }),
        ),
    });
    const seen: Record<string, unknown> = {};
    const consumer = (id: string, write: string[]) =>
      definePlugin({
        id,
        version: '1.0.0',
        kernel: '^0.1.0',
        dependencies: { records: '*' },
        capabilities: { resources: { write } },
        register(env) {
          env.registerInit({
            deps: { handle: handleRef },
            init({ handle }) {
              seen[id] = handle;
            },
          });
        },
      });
    await startTestHost({
      plugins: [records, consumer('pharmacy', ['MedicationDispense']), consumer('lab', ['Observation'])],
    });
    expect(seen).toEqual({
      pharmacy: { owner: 'pharmacy', writes: ['MedicationDispense'], providerLog: 'records' },
      lab: { owner: 'lab', writes: ['Observation'], providerLog: 'records' },
    });
  });
});
