import {
  createExtensionPoint,
  createHost,
  createServiceFactory,
  createServiceRef,
  optional,
  type PreflightProblem,
} from '@mekong/kernel';
import { describe, expect, it } from 'vitest';
import { plugin } from './fixtures.js';

const codes = (problems: readonly PreflightProblem[]) => problems.map((p) => `${p.code}:${p.pluginId}`);

/** What a `triage-api` package module creates when it is loaded: each load makes new objects. */
function loadTriageApi() {
  return {
    triageServiceRef: createServiceRef<{ level(): number }>({ id: 'triage.assessment' }),
    triageRulesExtensionPoint: createExtensionPoint<string>({ id: 'triage.rules', cardinality: 'multiple' }),
  };
}

/** The owner, built against one copy of the contract. */
function triageWith(api: ReturnType<typeof loadTriageApi>) {
  return plugin('triage', {
    register(env) {
      env.registerExtensionPoint(api.triageRulesExtensionPoint);
      env.provideService(createServiceFactory({ service: api.triageServiceRef, factory: () => ({ level: () => 4 }) }));
      env.registerInit({ deps: { rules: api.triageRulesExtensionPoint }, init: () => {} });
    },
  });
}

describe('pre-flight: ids of refs and extension points', () => {
  it('refuses a provided service or a registered point whose id lacks its owner prefix, naming the fix', () => {
    const pharmacy = plugin('pharmacy', {
      register(env) {
        env.provideService(
          createServiceFactory({ service: createServiceRef<number>({ id: 'formulary' }), factory: () => 1 }),
        );
        env.registerExtensionPoint(createExtensionPoint<string>({ id: 'lab.checkers', cardinality: 'multiple' }));
        // Prefixed ids pass; a prefix must be the whole owner id followed by a dot.
        env.provideService(
          createServiceFactory({ service: createServiceRef<number>({ id: 'pharmacy.stock' }), factory: () => 1 }),
        );
        env.registerExtensionPoint(createExtensionPoint<string>({ id: 'pharmacyx.y', cardinality: 'multiple' }));
      },
    });
    const { problems } = createHost().add(pharmacy).check();
    expect(codes(problems)).toEqual([
      'ID_NOT_OWNER_PREFIXED:pharmacy',
      'ID_NOT_OWNER_PREFIXED:pharmacy',
      'ID_NOT_OWNER_PREFIXED:pharmacy',
    ]);
    expect(problems[0]?.message).toBe(
      "provides service 'formulary', whose id does not start with its owner's id ('pharmacy.')",
    );
    expect(problems[0]?.hint).toContain("createServiceRef({ id: 'pharmacy.formulary' })");
    expect(problems[1]?.message).toContain("registers extension point 'lab.checkers'");
    expect(problems[1]?.hint).toContain("createExtensionPoint({ id: 'pharmacy.checkers' })");
    expect(problems[2]?.message).toContain("'pharmacyx.y'");
  });

  it('accepts the example triage contract (owner-prefixed ids) and core services from the host', () => {
    const api = loadTriageApi();
    const user = plugin('vital-signs', {
      dependencies: { triage: '^1.0.0' },
      register(env) {
        env.contribute(api.triageRulesExtensionPoint, { value: 'spo2' });
        env.registerInit({ deps: { triage: api.triageServiceRef }, init: () => {} });
      },
    });
    expect(createHost().add(triageWith(api), user).check().problems).toEqual([]);
  });

  it('diagnoses two copies of one service ref (two -api copies installed), not "service not provided"', () => {
    const [copy1, copy2] = [loadTriageApi(), loadTriageApi()];
    const user = plugin('vital-signs', {
      dependencies: { triage: '^1.0.0' },
      register: (env) => env.registerInit({ deps: { triage: copy2.triageServiceRef }, init: () => {} }),
    });
    const { problems } = createHost().add(triageWith(copy1), user).check();
    expect(codes(problems)).toEqual(['SERVICE_REF_DUPLICATE_ID:vital-signs']);
    expect(problems[0]?.message).toBe(
      "service 'triage.assessment' exists as 2 distinct objects, so its users never meet: copy 1 held by 'triage' (provides it); copy 2 held by 'vital-signs' (init needs it as 'triage'). Two copies of the package that defines it are loaded (usually two versions of the -api package of 'triage' installed side by side)",
    );
    expect(problems[0]?.hint).toContain('`pnpm why <package>`');
  });

  it('diagnoses a copy behind optional(): it would otherwise resolve to undefined without a word', () => {
    const [copy1, copy2] = [loadTriageApi(), loadTriageApi()];
    const user = plugin('vital-signs', {
      optionalDependencies: { triage: '^1.0.0' },
      register: (env) => env.registerInit({ deps: { triage: optional(copy2.triageServiceRef) }, init: () => {} }),
    });
    expect(codes(createHost().add(triageWith(copy1), user).check().problems)).toEqual([
      'SERVICE_REF_DUPLICATE_ID:vital-signs',
    ]);
  });

  it('diagnoses two copies of one extension point, not "no installed plugin registers it"', () => {
    const [copy1, copy2] = [loadTriageApi(), loadTriageApi()];
    const user = plugin('vital-signs', {
      dependencies: { triage: '^1.0.0' },
      register: (env) => env.contribute(copy2.triageRulesExtensionPoint, { value: 'spo2' }),
    });
    const { problems } = createHost().add(triageWith(copy1), user).check();
    expect(codes(problems)).toEqual(['EXTENSION_POINT_DUPLICATE_ID:vital-signs']);
    expect(problems[0]?.message).toContain(
      "copy 1 held by 'triage' (registers it); copy 2 held by 'vital-signs' (contributes to it)",
    );
  });

  it('names @mekong/kernel when a plugin was built against another copy of the kernel', () => {
    const otherKernelLogger = createServiceRef<unknown>({ id: 'core.logger', scope: 'plugin' });
    const user = plugin('old', {
      register: (env) => env.registerInit({ deps: { log: otherKernelLogger }, init: () => {} }),
    });
    const { problems } = createHost().add(user).check();
    expect(codes(problems)).toEqual(['SERVICE_REF_DUPLICATE_ID:old']);
    expect(problems[0]?.message).toContain('copy 1 held by the host (provides it)');
    expect(problems[0]?.message).toContain('two versions of @mekong/kernel');
  });
});
