import { setTimeout as sleep } from 'node:timers/promises';
import { definePlugin } from '@mekong/kernel';
import { defineRoute, serverRoutesExtensionPoint } from '@mekong/server';

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
