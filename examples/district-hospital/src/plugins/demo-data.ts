import { coreServices, definePlugin } from '@mekong/kernel';
import { ResourceNotFoundError, storeServiceRef } from '@mekong/store';
import { z } from 'zod';
import { demoData } from '../demo/demo-data.js';

const types = [...new Set(demoData.map((resource) => resource.resourceType))];

/**
 * Loads the demo data on a deployment's first start (when the demo hospital does not exist yet), through the
 * plugin's own store handle: it may touch only the demo's resource types, and every write is audited.
 */
export const demoDataPlugin = definePlugin({
  id: 'demo-data',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Seeds a district hospital, its practitioners and Vietnamese patients on first start',
  dependencies: { store: '^0.1.0' },
  capabilities: { resources: { read: ['Organization'], write: types } },
  config: z.object({ seedOnFirstStart: z.boolean().default(true) }).strict(),
  register(env) {
    env.registerInit({
      deps: { store: storeServiceRef, log: coreServices.logger },
      async init({ store, log }, { config }) {
        if (!config.seedOnFirstStart) return;
        try {
          await store.read('Organization', 'demo-district-hospital');
          return; // seeded before
        } catch (error) {
          if (!(error instanceof ResourceNotFoundError)) throw error;
        }
        for (const resource of demoData) await store.update(resource);
        log.info({ resources: demoData.length }, 'demo data loaded (first start)');
      },
    });
  },
});
