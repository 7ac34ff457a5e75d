import { coreServices, definePlugin } from '@mekong/kernel';
import {
  defineOperation,
  defineRoute,
  fhirOperationsExtensionPoint,
  HttpError,
  routeResponse,
  serverRoutesExtensionPoint,
} from '@mekong/server';
import { z } from 'zod';

/** A plugin with routes and operations, as a plugin author writes it. */
export const triagePlugin = definePlugin({
  id: 'triage',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/triage'], resources: { read: ['Patient'], write: ['Flag'] } },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, {
      value: [
        defineRoute({
          method: 'GET',
          path: '/triage/queue/:room',
          summary: 'Patients waiting in a room',
          schemas: {
            params: z.object({ room: z.string().regex(/^R\d+$/) }),
            querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
            response: z.object({ room: z.string(), limit: z.number(), caller: z.string() }),
          },
          handler: ({ params, query, principal }) => ({
            room: params.room,
            limit: query.limit,
            caller: principal.agent.id,
          }),
        }),
        defineRoute({
          method: 'POST',
          path: '/triage/notes',
          summary: 'Record a triage note',
          schemas: { body: z.object({ level: z.number().int().min(1).max(5), note: z.string().min(1) }) },
          handler: ({ body }) =>
            routeResponse({ status: 201, body: { accepted: body.level }, headers: { 'x-triage': 'yes' } }),
        }),
        defineRoute({
          method: 'GET',
          path: '/triage/patients',
          summary: 'Patients, read through the caller’s store within the plugin’s grant',
          requires: { resources: [{ type: 'Patient', interactions: ['search'] }] },
          handler: async ({ store }) => {
            const bundle = await store.search('Patient', { _count: '1' });
            return { type: bundle.type };
          },
        }),
        defineRoute({
          method: 'GET',
          path: '/triage/observations',
          summary: 'Observations: outside the plugin’s grant',
          handler: ({ store }) => store.search('Observation', {}),
        }),
        defineRoute({
          method: 'GET',
          path: '/triage/settings',
          requires: { admin: true },
          handler: () => ({ level: 3 }),
        }),
        defineRoute({
          method: 'GET',
          path: '/triage/closed',
          handler: () => {
            throw new HttpError({
              status: 422,
              message: 'the encounter is closed',
              hint: 'reopen it first',
              expression: ['Encounter.status'],
            });
          },
        }),
        defineRoute({
          method: 'GET',
          path: '/triage/bug',
          handler: () => {
            throw new Error('secret internal detail at /srv/app.ts:42');
          },
        }),
        defineRoute({
          method: 'GET',
          path: '/triage/slow',
          handler: () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 5_000)),
        }),
      ],
    });
    env.contribute(fhirOperationsExtensionPoint, {
      value: [
        defineOperation({
          name: '$triage-summary',
          levels: ['type', 'instance'],
          resourceTypes: ['Patient'],
          summary: 'Triage summary',
          parameters: z.object({
            depth: z.coerce.number().int().min(1).max(3).default(1),
            tag: z.array(z.string()).optional(),
          }),
          handler: ({ params, level, id }) => ({
            resourceType: 'Parameters',
            parameter: [
              { name: 'level', valueString: level },
              { name: 'depth', valueInteger: params.depth },
              { name: 'tags', valueString: (params.tag ?? []).join(',') },
              ...(id ? [{ name: 'id', valueString: id }] : []),
            ],
          }),
        }),
        defineOperation({
          name: 'reset-queue',
          levels: ['system'],
          affectsState: true,
          handler: () => ({
            status: 200,
            resource: { resourceType: 'Parameters', parameter: [{ name: 'reset', valueBoolean: true }] },
          }),
        }),
      ],
    });
    env.registerInit({ deps: { log: coreServices.logger }, init() {} });
  },
});

/** A plugin whose contributions exist but whose init fails. */
export const brokenPlugin = definePlugin({
  id: 'broken',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/broken'] },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, {
      value: [defineRoute({ method: 'GET', path: '/broken/ping', handler: () => ({ pong: true }) })],
    });
    env.contribute(fhirOperationsExtensionPoint, {
      value: [
        defineOperation({ name: 'broken-op', levels: ['system'], handler: () => ({ resourceType: 'Parameters' }) }),
      ],
    });
    env.registerInit({
      deps: {},
      init() {
        throw new Error('the broken plugin cannot reach its device');
      },
    });
  },
});

/** A plugin that declares a route outside its prefix. */
export const strayPlugin = definePlugin({
  id: 'stray',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/stray'] },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, {
      value: [defineRoute({ method: 'GET', path: '/elsewhere/x', handler: () => ({}) })],
    });
  },
});

/** A plugin that claims a prefix the server keeps. */
export const squatterPlugin = definePlugin({
  id: 'squatter',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/fhir/R4/custom'] },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, {
      value: [defineRoute({ method: 'GET', path: '/fhir/R4/custom/x', handler: () => ({}) })],
    });
  },
});
