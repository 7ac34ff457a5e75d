import { setTimeout as sleep } from 'node:timers/promises';
import { definePlugin } from '@mekong/kernel';
import { defineOperation, defineRoute, fhirOperationsExtensionPoint, serverRoutesExtensionPoint } from '@mekong/server';
import { z } from 'zod';

/** A message that names internal paths: it must never reach a caller. */
export const INTERNAL_MESSAGE =
  'ENOENT: open /srv/mekong/node_modules/secret/config.ts:42 (select * from mekong_api_key)';

/**
 * A started plugin with routes: one that answers, one that fails with an internal error, one slower than the
 * request timeout, and one for administrators only.
 */
export const probePlugin = definePlugin({
  id: 'sec-probe',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/sec-probe'], resources: { read: ['Patient'] } },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, {
      value: [
        defineRoute({ method: 'GET', path: '/sec-probe/ping', summary: 'Answers', handler: () => ({ ok: true }) }),
        defineRoute({
          method: 'GET',
          path: '/sec-probe/boom',
          summary: 'Fails with an internal error',
          handler: () => {
            throw new Error(INTERNAL_MESSAGE);
          },
        }),
        defineRoute({
          method: 'GET',
          path: '/sec-probe/slow',
          summary: 'Slower than the request timeout',
          handler: async () => {
            await sleep(3_000);
            return { late: true };
          },
        }),
        defineRoute({
          method: 'GET',
          path: '/sec-probe/admin',
          summary: 'Administrators only',
          requires: { admin: true },
          handler: () => ({ admin: true }),
        }),
      ],
    });
  },
});

/** A plugin whose init fails: nothing of it may be served or documented. */
export const brokenPlugin = definePlugin({
  id: 'sec-broken',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/sec-broken'], resources: { read: ['Patient'] } },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, {
      value: [
        defineRoute({
          method: 'GET',
          path: '/sec-broken/patients',
          summary: 'Every patient (must never be served: the plugin failed)',
          handler: ({ store }) => store.search('Patient', {}),
        }),
      ],
    });
    env.registerInit({
      deps: {},
      init() {
        throw new Error('sec-broken fails to start on purpose');
      },
    });
  },
});

/**
 * A plugin with FHIR operations: `$chart` at every level on Patient (reads the patient, searches patients, or
 * answers without the store), `$chart-admin` for administrators only, and `$purge`, which changes data.
 */
export const chartPlugin = definePlugin({
  id: 'sec-chart',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependencies: { server: '^0.1.0' },
  capabilities: { resources: { read: ['Patient'] } },
  register(env) {
    env.contribute(fhirOperationsExtensionPoint, {
      value: [
        defineOperation({
          name: '$chart',
          levels: ['system', 'type', 'instance'],
          resourceTypes: ['Patient'],
          parameters: z.object({ depth: z.coerce.number().int().min(1).max(3).default(1) }),
          handler: async ({ level, id, store }) => {
            if (level === 'instance') return store.read('Patient', id as string);
            if (level === 'type') return store.search('Patient', { _count: '1' });
            return { resourceType: 'Parameters', parameter: [{ name: 'level', valueString: level }] };
          },
        }),
        defineOperation({
          name: '$chart-admin',
          levels: ['system'],
          requires: { admin: true },
          handler: () => ({ resourceType: 'Parameters' }),
        }),
        defineOperation({
          name: '$purge',
          levels: ['system'],
          affectsState: true,
          handler: () => ({ resourceType: 'Parameters' }),
        }),
      ],
    });
  },
});
