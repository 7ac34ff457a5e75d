import { definePlugin } from '@mekong/kernel';
import { type StoreAccess, storeAccessServiceRef } from '../src/index.js';

/** A plugin that asks for the store's gateway service (store.access) and hands it to the test in `seen`. */
export function gateway(id: string, seen: { access?: StoreAccess }) {
  return definePlugin({
    id,
    version: '0.1.0',
    kernel: '^0.1.0',
    dependencies: { store: '^0.1.0' },
    register(env) {
      env.registerInit({
        deps: { access: storeAccessServiceRef },
        init({ access }) {
          seen.access = access;
        },
      });
    },
  });
}
