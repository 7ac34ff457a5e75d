import type { Encounter } from '@mekong/fhir';
import { definePlugin } from '@mekong/kernel';
import {
  defineOperation,
  defineRoute,
  fhirOperationsExtensionPoint,
  HttpError,
  serverRoutesExtensionPoint,
} from '@mekong/server';
import { z } from 'zod';

const board = defineRoute({
  method: 'GET',
  path: '/ward-board/:ward',
  summary: 'Patients in a ward now',
  schemas: {
    params: z.object({ ward: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) }),
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
  },
  requires: { resources: [{ type: 'Encounter', interactions: ['search'] }] },
  async handler({ params, query, store }) {
    const found = await store.search('Encounter', {
      location: `Location/${params.ward}`,
      status: 'in-progress',
      _count: String(query.limit),
    });
    const encounters = (found.entry ?? []).map((entry) => entry.resource as Encounter);
    const patients = encounters.map((encounter) => encounter.subject?.reference);
    return { ward: params.ward, patients };
  },
});

const admissions = defineOperation({
  name: '$admission-count',
  levels: ['type'],
  resourceTypes: ['Encounter'],
  summary: 'How many encounters have a status',
  parameters: z.object({ status: z.enum(['planned', 'arrived', 'in-progress', 'finished']).default('in-progress') }),
  async handler({ params, store }) {
    const found = await store.search('Encounter', { status: params.status, _total: 'accurate', _count: '1' });
    if (found.total === undefined) throw new HttpError({ status: 500, message: 'the store gave no total' });
    return { resourceType: 'Parameters', parameter: [{ name: 'count', valueInteger: found.total }] };
  },
});

export const wardBoardPlugin = definePlugin({
  id: 'ward-board',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Who is in each ward, for the screens at the nurses’ station',
  dependencies: { server: '^0.1.0' },
  capabilities: { routes: ['/ward-board'], resources: { read: ['Encounter'] } },
  register(env) {
    env.contribute(serverRoutesExtensionPoint, { value: [board] });
    env.contribute(fhirOperationsExtensionPoint, { value: [admissions] });
  },
});
