import { createHost, PreflightError } from '@mekong/kernel';
import { serverPlugin } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { describe, expect, it } from 'vitest';
import { squatterPlugin } from './support/sample-plugins.js';

// What `mekong doctor` and a start see before any plugin runs: host.check() is the pre-flight.
describe('pre-flight of a deployment with the server', () => {
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

  it('reports a plugin route prefix among the paths the server keeps, with a bad role, all at once', () => {
    const roles = { auditor: { rules: [{ type: 'AuditEvents', interactions: ['read'] }] } };
    const { problems } = createHost({ config: { plugins: { server: { auth: { roles } } } } })
      .add(storePlugin, serverPlugin, squatterPlugin)
      .check();
    expect(problems.map((p) => `${p.code} ${p.pluginId}: ${p.message}\n  hint: ${p.hint}`)).toEqual([
      "ROUTE_PREFIX_CONFLICT squatter: declares the route prefix '/fhir/R4/custom', which overlaps '/fhir' of plugin 'server': each would serve paths under the other's\n  hint: route prefixes belong to one plugin: declare one of its own in capabilities.routes of 'squatter', such as '/squatter'; to add to what 'server' serves, contribute to an extension point it offers",
      `INVALID_CONFIG server: config plugins.server.auth.roles.auditor.rules.0.type: 'AuditEvents' is not a FHIR R4 resource type (nor "*" for every type); did you mean 'AuditEvent'?\n  hint: correct plugins.server.auth.roles.auditor.rules.0.type in the host configuration`,
    ]);
  });
});
