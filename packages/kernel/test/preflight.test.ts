import {
  coreServices,
  createHost,
  createServiceFactory,
  createServiceRef,
  definePlugin,
  type Plugin,
  PreflightError,
  type PreflightProblem,
} from '@mekong/kernel';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatterPoint, greeterRef, plugin, rulesPoint } from './fixtures.js';

function problemsOf(plugins: Plugin[], config = {}): PreflightProblem[] {
  return [
    ...createHost({ config })
      .add(...plugins)
      .check().problems,
  ];
}

const codes = (problems: readonly PreflightProblem[]) => problems.map((p) => `${p.code}:${p.pluginId}`);

describe('pre-flight', () => {
  it('accepts a consistent deployment and lists declarations without running any init', () => {
    let inits = 0;
    const owner = plugin('owner', {
      register(env) {
        env.registerExtensionPoint(rulesPoint);
        env.provideService(createServiceFactory({ service: greeterRef, factory: () => ({ greet: (n: string) => n }) }));
        env.registerInit({ deps: { rules: rulesPoint, log: coreServices.logger }, init: () => void inits++ });
      },
    });
    const contributor = plugin('contributor', {
      dependencies: { owner: '^1.0.0' },
      register(env) {
        env.contribute(rulesPoint, { priority: 5, value: { name: 'r' } });
        env.registerInit({ deps: { greeter: greeterRef }, init: () => void inits++ });
      },
    });
    const result = createHost().add(owner, contributor).check();
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
    expect(inits).toBe(0);
    expect(result.plugins.map((p) => p.manifest.id)).toEqual(['owner', 'contributor']);
    expect(result.plugins[0]).toMatchObject({
      extensionPoints: [{ id: 'owner.rules', cardinality: 'multiple' }],
      services: ['owner.greeter'],
      initDeps: { rules: 'owner.rules', log: 'core.logger' },
    });
    expect(result.plugins[1]).toMatchObject({ contributions: [{ point: 'owner.rules', priority: 5 }] });
  });

  it('reports a duplicate id with both versions', () => {
    const problems = problemsOf([plugin('emr', { version: '1.0.0' }), plugin('emr', { version: '1.1.0' })]);
    expect(codes(problems)).toEqual(['DUPLICATE_PLUGIN_ID:emr']);
    expect(problems[0]?.message).toContain('1.0.0 and 1.1.0');
  });

  it('reports a kernel range the host does not satisfy', () => {
    const [problem] = problemsOf([plugin('old', { kernel: '^2.0.0' })]);
    expect(problem).toMatchObject({ code: 'KERNEL_VERSION_UNSATISFIED', pluginId: 'old' });
    expect(problem?.message).toMatch(/needs kernel \^2\.0\.0 but this host runs kernel 0\.1\./);
  });

  it('reports a missing dependency and an out-of-range one with the range and the version found', () => {
    const problems = problemsOf([
      plugin('emr', { version: '1.4.0' }),
      plugin('pharmacy', { dependencies: { emr: '^2.0.0', lab: '^1.0.0' } }),
      plugin('claims', { optionalDependencies: { emr: '~1.3.0' } }),
    ]);
    expect(codes(problems)).toEqual([
      'DEPENDENCY_VERSION_MISMATCH:pharmacy',
      'MISSING_DEPENDENCY:pharmacy',
      'DEPENDENCY_VERSION_MISMATCH:claims',
    ]);
    expect(problems[0]?.message).toBe("requires 'emr' ^2.0.0 but version 1.4.0 is installed");
    expect(problems[1]?.message).toBe("requires plugin 'lab' ^1.0.0, which is not installed");
    expect(problems[1]?.hint).toContain("add 'lab'");
    expect(problems[2]?.message).toBe("can use 'emr' ~1.3.0 but version 1.4.0 is installed");
  });

  it('reports route prefixes two plugins share, or one within another, to the plugin that came to extend', () => {
    const routes = (id: string, prefixes: string[], dependencies?: Record<string, string>) =>
      definePlugin({
        id,
        version: '1.0.0',
        kernel: '^0.1.0',
        ...(dependencies ? { dependencies } : {}),
        capabilities: { routes: prefixes },
        register() {},
      });
    const gateway = routes('gateway', ['/fhir', '/admin']);
    const problems = problemsOf([
      // Added before what it depends on: still the one told.
      routes('squatter', ['/fhir/R4/custom', '/squatter'], { gateway: '^1.0.0' }),
      gateway,
      routes('lab', ['/lab', '/lab/results']), // nested in its own prefixes: no conflict
      routes('laboratory', ['/laboratory']), // shares letters, not a path: no conflict
      routes('lab-copy', ['/lab/results/raw']),
      routes('shouting', ['/ADMIN']),
    ]);
    expect(problems).toEqual([
      {
        code: 'ROUTE_PREFIX_CONFLICT',
        pluginId: 'squatter',
        message:
          "declares the route prefix '/fhir/R4/custom', which overlaps '/fhir' of plugin 'gateway': each would serve paths under the other's",
        hint: "route prefixes belong to one plugin: declare one of its own in capabilities.routes of 'squatter', such as '/squatter'; to add to what 'gateway' serves, contribute to an extension point it offers",
      },
      expect.objectContaining({
        code: 'ROUTE_PREFIX_CONFLICT',
        pluginId: 'lab-copy',
        message: expect.stringContaining("'/lab/results/raw', which overlaps '/lab' of plugin 'lab'"),
      }),
      expect.objectContaining({
        code: 'ROUTE_PREFIX_CONFLICT',
        pluginId: 'lab-copy',
        message: expect.stringContaining("'/lab/results/raw', which overlaps '/lab/results' of plugin 'lab'"),
      }),
      expect.objectContaining({
        code: 'ROUTE_PREFIX_CONFLICT',
        pluginId: 'shouting',
        message: expect.stringContaining("'/ADMIN', which overlaps '/admin' of plugin 'gateway'"),
      }),
    ]);
  });

  it('reports a malformed route prefix of a plugin defined against another kernel', () => {
    const defined = plugin('ward');
    // definePlugin refuses these where they are written; an object from another kernel's definePlugin is not checked.
    const foreign = (routes: string[]): Plugin => ({
      ...defined,
      manifest: { ...defined.manifest, capabilities: { ...defined.manifest.capabilities, routes } },
    });
    const problems = problemsOf([foreign(['/ward/', '/', 'ward', '/ward/:id', '/a/../admin'])]);
    expect(problems.map((p) => `${p.code}:${p.pluginId}: ${p.message}`)).toEqual([
      `ROUTE_PREFIX_INVALID:ward: declares the route prefix '/ward/', which must not end with "/"`,
      `ROUTE_PREFIX_INVALID:ward: declares the route prefix '/', which must name a path of its own, such as "/claims-bhyt": "/" would take every path`,
      `ROUTE_PREFIX_INVALID:ward: declares the route prefix 'ward', which must start with "/"`,
      `ROUTE_PREFIX_INVALID:ward: declares the route prefix '/ward/:id', which may hold only letters, digits, "-", ".", "_" and "~" between its "/"s (no parameters, wildcards, queries or spaces)`,
      `ROUTE_PREFIX_INVALID:ward: declares the route prefix '/a/../admin', which must not have "." or ".." segments`,
    ]);
    expect(problems[0]?.hint).toBe(
      "correct capabilities.routes of plugin 'ward' to a path of its own, such as '/ward'",
    );
  });

  it('reports each dependency cycle once, with its full path', () => {
    const problems = problemsOf([
      plugin('a', { dependencies: { b: '*' } }),
      plugin('b', { dependencies: { c: '*' } }),
      plugin('c', { optionalDependencies: { a: '*' } }),
      plugin('d', { dependencies: { d: '*' } }),
    ]);
    expect(problems.map((p) => p.message)).toEqual(['dependency cycle: a -> b -> c -> a', 'dependency cycle: d -> d']);
  });

  it('reports every invalid config path at once, across the kernel and several plugins', () => {
    const configured = definePlugin({
      id: 'triage',
      version: '1.0.0',
      kernel: '^0.1.0',
      config: z.object({ alertLevel: z.number().int().min(1).max(5).default(2), ward: z.string() }),
      register: () => {},
    });
    const problems = problemsOf([configured, plugin('plain')], {
      kernel: { initTimeoutMs: -1, onPluginBootFailure: 'ignore', plugins: { tirage: {} } },
      plugins: { triage: { alertLevel: 9 }, plain: { extra: true }, unknown: {} },
    });
    expect(problems.every((p) => p.code === 'INVALID_CONFIG')).toBe(true);
    expect(problems.map((p) => p.path).sort()).toEqual([
      'kernel.initTimeoutMs',
      'kernel.onPluginBootFailure',
      'kernel.plugins.tirage',
      'plugins.plain',
      'plugins.triage.alertLevel',
      'plugins.triage.ward',
      'plugins.unknown',
    ]);
    expect(problems.find((p) => p.path === 'plugins.triage.alertLevel')?.message).toMatch(
      /<=5|less than or equal to 5/,
    );
  });

  it('reports extension points used without depending on their owner, and points nobody owns', () => {
    const owner = plugin('owner', { register: (env) => env.registerExtensionPoint(rulesPoint) });
    const stranger = plugin('stranger', { register: (env) => env.contribute(rulesPoint, { value: { name: 'x' } }) });
    const thief = plugin('thief', {
      dependencies: { owner: '*' },
      register: (env) => env.registerInit({ deps: { rules: rulesPoint }, init: () => {} }),
    });
    const orphan = plugin('orphan', { register: (env) => env.contribute(formatterPoint, { value: (s) => s }) });
    const problems = problemsOf([owner, stranger, thief, orphan]);
    expect(codes(problems)).toEqual([
      'EXTENSION_POINT_NOT_A_DEPENDENCY:stranger',
      'EXTENSION_POINT_NOT_A_DEPENDENCY:thief',
      'EXTENSION_POINT_UNKNOWN:orphan',
    ]);
    expect(problems[0]?.hint).toBe("add 'owner' to the dependencies (or optionalDependencies) of 'stranger'");
  });

  it('reports a second contribution to a single extension point, naming both contributors', () => {
    const owner = plugin('owner', { register: (env) => env.registerExtensionPoint(formatterPoint) });
    const upper = plugin('upper', {
      dependencies: { owner: '*' },
      register: (env) => env.contribute(formatterPoint, { value: (s) => s.toUpperCase() }),
    });
    const lower = plugin('lower', {
      dependencies: { owner: '*' },
      register: (env) => env.contribute(formatterPoint, { value: (s) => s.toLowerCase() }),
    });
    const [conflict] = problemsOf([owner, upper, lower]);
    expect(conflict).toMatchObject({ code: 'EXTENSION_POINT_CONFLICT', pluginId: 'owner' });
    expect(conflict?.message).toBe(
      "extension point 'owner.formatter' takes a single contribution but got 2, from 'lower' and 'upper'",
    );
    expect(codes(problemsOf([owner]))).toEqual(['EXTENSION_POINT_MISSING:owner']);
  });

  it('reports a point registered twice', () => {
    const a = plugin('owner', { register: (env) => env.registerExtensionPoint(rulesPoint) });
    const b = plugin('b', { register: (env) => env.registerExtensionPoint(rulesPoint) });
    expect(codes(problemsOf([a, b]))).toEqual(['ID_NOT_OWNER_PREFIXED:b', 'EXTENSION_POINT_DUPLICATE_OWNER:b']);
  });

  it('reports service problems: not provided, not a dependency, two providers', () => {
    const perPlugin = createServiceRef<string>({ id: 'owner.scoped', scope: 'plugin' });
    const provider = plugin('owner', {
      register: (env) => {
        env.provideService(createServiceFactory({ service: greeterRef, factory: () => ({ greet: (n: string) => n }) }));
        env.provideService(createServiceFactory({ service: perPlugin, factory: () => 'x' }));
      },
    });
    const rival = plugin('rival', {
      register: (env) => {
        env.provideService(createServiceFactory({ service: greeterRef, factory: () => ({ greet: () => '' }) }));
        env.provideService(
          createServiceFactory({ service: coreServices.clock, factory: () => ({ now: () => new Date(0) }) }),
        );
      },
    });
    const user = plugin('user', {
      register: (env) =>
        env.registerInit({
          deps: { greeter: greeterRef, missing: createServiceRef<number>({ id: 'nobody.number' }) },
          init: () => {},
        }),
    });
    expect(codes(problemsOf([provider, rival, user]))).toEqual([
      'ID_NOT_OWNER_PREFIXED:rival',
      'SERVICE_DUPLICATE_PROVIDER:rival',
      'SERVICE_DUPLICATE_PROVIDER:rival',
      'SERVICE_NOT_A_DEPENDENCY:user',
      'SERVICE_NOT_PROVIDED:user',
    ]);
  });

  it('reports a register() that throws', () => {
    const broken = plugin('broken', {
      register: () => {
        throw new Error('oops');
      },
    });
    const twice = plugin('twice', {
      register: (env) => {
        env.registerInit({ deps: {}, init: () => {} });
        env.registerInit({ deps: {}, init: () => {} });
      },
    });
    const problems = problemsOf([broken, twice]);
    expect(codes(problems)).toEqual(['REGISTER_FAILED:broken', 'REGISTER_FAILED:twice']);
    expect(problems[1]?.message).toContain('registerInit was called more than once');
  });

  it('start() reports all problems in one PreflightError and runs no init', async () => {
    let inits = 0;
    const host = createHost({ config: { plugins: { ghost: {} } } }).add(
      plugin('a', { kernel: '^9.0.0', register: (env) => env.registerInit({ deps: {}, init: () => void inits++ }) }),
      plugin('b', { dependencies: { zzz: '^1.0.0' } }),
    );
    const error = await host.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect(codes((error as PreflightError).problems)).toEqual([
      'KERNEL_VERSION_UNSATISFIED:a',
      'MISSING_DEPENDENCY:b',
      'INVALID_CONFIG:ghost',
    ]);
    expect((error as Error).message).toContain('3 problem(s)');
    expect((error as Error).message).toContain("hint: add 'zzz'");
    expect(inits).toBe(0);
  });
});
