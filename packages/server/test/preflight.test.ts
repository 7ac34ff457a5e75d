import { createHost, PreflightError } from '@mekong/kernel';
import { serverPlugin } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { describe, expect, it } from 'vitest';

// What `mekong doctor` and a start see before any plugin runs: host.check() is the pre-flight.
describe('pre-flight of the server configuration', () => {
  it('reports a role field that names no element, with its config path and the closest names', async () => {
    const roles = {
      'front-desk': {
        rules: [
          { type: 'Patient', interactions: ['read'], hiddenFields: ['telecom', 'telcom'] },
          {
            type: 'Encounter',
            interactions: ['read', 'update'],
            readonlyFields: ['hospitalization.dischargeDispositon'],
          },
        ],
      },
    };
    const host = createHost({ config: { plugins: { server: { auth: { roles } } } } }).add(storePlugin, serverPlugin);
    const { ok, problems } = host.check();
    expect(ok).toBe(false);
    expect(problems).toEqual([
      {
        code: 'INVALID_CONFIG',
        pluginId: 'server',
        path: 'plugins.server.auth.roles.front-desk.rules.0.hiddenFields.1',
        message:
          "config plugins.server.auth.roles.front-desk.rules.0.hiddenFields.1: Patient has no element 'telcom'; did you mean 'telecom'?",
        hint: 'correct plugins.server.auth.roles.front-desk.rules.0.hiddenFields.1 in the host configuration',
      },
      {
        code: 'INVALID_CONFIG',
        pluginId: 'server',
        path: 'plugins.server.auth.roles.front-desk.rules.1.readonlyFields.0',
        message:
          "config plugins.server.auth.roles.front-desk.rules.1.readonlyFields.0: Encounter.hospitalization has no element 'dischargeDispositon'; did you mean 'hospitalization.dischargeDisposition'?",
        hint: 'correct plugins.server.auth.roles.front-desk.rules.1.readonlyFields.0 in the host configuration',
      },
    ]);
    // A start stops there: no plugin runs, the database is never opened.
    const error = await host.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).message).toContain('rules.0.hiddenFields.1: Patient has no element');
  });
});
