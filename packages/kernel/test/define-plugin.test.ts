import { definePlugin, PluginDefinitionError } from '@mekong/kernel';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const valid = { id: 'claims-bhyt', version: '1.2.3', kernel: '^0.1.0', register: () => {} };

describe('definePlugin', () => {
  it('returns a plain tagged object whose manifest survives JSON', () => {
    const plugin = definePlugin({
      ...valid,
      dependencies: { emr: '^1.0.0' },
      optionalDependencies: { ai: '>=0.2.0' },
      config: z.object({ facilityCode: z.string().length(5).default('01001') }),
      capabilities: { resources: { read: ['Patient'], write: ['Claim'] }, network: ['gdbhyt.baohiemxahoi.gov.vn:443'] },
    });
    expect(plugin.$$type).toBe('@mekong/Plugin');
    const manifest = JSON.parse(JSON.stringify(plugin.manifest));
    expect(manifest).toMatchObject({
      id: 'claims-bhyt',
      version: '1.2.3',
      kernel: '^0.1.0',
      dependencies: { emr: '^1.0.0' },
      optionalDependencies: { ai: '>=0.2.0' },
      capabilities: {
        resources: { read: ['Patient'], write: ['Claim'] },
        routes: [],
        network: ['gdbhyt.baohiemxahoi.gov.vn:443'],
      },
    });
    expect(manifest.config.properties.facilityCode).toMatchObject({ type: 'string', default: '01001' });
  });

  it.each([
    ['Claims', 'id'],
    ['claims_bhyt', 'id'],
    ['claims--bhyt', 'id'],
    ['-claims', 'id'],
    ['', 'id'],
  ])('rejects the id %j', (id, path) => {
    expect(() => definePlugin({ ...valid, id })).toThrow(new RegExp(`${path}: must be kebab-case`));
  });

  it('rejects a bad version, kernel range and dependency range, naming every field', () => {
    let error: unknown;
    try {
      definePlugin({
        ...valid,
        version: '1.2',
        kernel: 'latest!',
        dependencies: { emr: 'not a range', Bad_Id: '^1.0.0' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PluginDefinitionError);
    const message = (error as Error).message;
    expect(message).toContain('version: must be a semver version');
    expect(message).toContain('kernel: must be a semver range');
    expect(message).toContain('dependencies.emr: must be a semver range');
    expect(message).toContain('must be kebab-case');
    expect((error as PluginDefinitionError).code).toBe('PLUGIN_DEFINITION_INVALID');
    expect((error as PluginDefinitionError).pluginId).toBe('claims-bhyt');
  });

  it('rejects undeclared manifest fields and malformed capabilities', () => {
    expect(() => definePlugin({ ...valid, dependncies: {} } as never)).toThrow(/Unrecognized key.*dependncies/);
    expect(() => definePlugin({ ...valid, capabilities: { resources: { read: ['patient'] } } })).toThrow(
      /capabilities.resources.read.0: must be a FHIR resource type/,
    );
    expect(() => definePlugin({ ...valid, capabilities: { routes: ['claims'] } })).toThrow(
      /capabilities.routes.0: must start with "\/"/,
    );
    const routes: [string, RegExp][] = [
      ['/', /"\/" would take every path/],
      ['/claims/', /must not end with "\/"/],
      ['/claims//x', /must not have an empty segment/],
      ['/claims/../admin', /must not have "." or ".." segments/],
      ['/claims/:id', /may hold only letters, digits/],
      ['/claims/*', /may hold only letters, digits/],
      ['/claims?x=1', /may hold only letters, digits/],
      ['/claims bhyt', /may hold only letters, digits/],
    ];
    for (const [prefix, message] of routes) {
      expect(() => definePlugin({ ...valid, capabilities: { routes: [prefix] } }), prefix).toThrow(message);
    }
    expect(
      definePlugin({ ...valid, capabilities: { routes: ['/claims-bhyt', '/lab/v1.2/results_raw~x'] } }).manifest
        .capabilities.routes,
    ).toEqual(['/claims-bhyt', '/lab/v1.2/results_raw~x']);
    expect(() => definePlugin({ ...valid, capabilities: { network: ['http://x/'] } })).toThrow(
      /capabilities.network.0/,
    );
  });

  it('rejects a missing register function', () => {
    expect(() => definePlugin({ ...valid, register: undefined as never })).toThrow(/register: must be a function/);
  });
});
