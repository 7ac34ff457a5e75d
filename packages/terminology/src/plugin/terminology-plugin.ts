import { isAbsolute } from 'node:path';
import {
  type ClockService,
  coreServices,
  createExtensionPoint,
  createServiceFactory,
  createServiceRef,
  definePlugin,
  MekongError,
} from '@mekong/kernel';
import { fhirOperationsExtensionPoint } from '@mekong/server';
import { loadCodeSystemFile } from '../loaders/load-code-system.js';
import type { CodeSystemDefinition, TerminologyContribution, ValueSetDefinition } from '../model/definitions.js';
import { expandOperation } from '../operations/expand.js';
import { lookupOperation } from '../operations/lookup.js';
import { validateCodeOperation } from '../operations/validate-code.js';
import { InMemoryTerminology } from '../service/in-memory-terminology.js';
import type { TerminologyService } from '../service/types.js';
import { bundledCodeSystems } from './bundled.js';
import { checkContribution } from './check-contribution.js';
import { terminologyConfigSchema } from './config.js';

/**
 * Code systems and value sets other plugins ship, as data: definitions, or files (absolute paths) in the formats
 * the loaders read. Loaded when the terminology plugin starts.
 */
export const terminologyCodeSystemsExtensionPoint = createExtensionPoint<TerminologyContribution>({
  id: 'terminology.codeSystems',
  cardinality: 'multiple',
});

/** The terminology service: lookups, code validation and expansions, synchronous and in memory. */
export const terminologyServiceRef = createServiceRef<TerminologyService>({ id: 'terminology.codes' });

function notReady(pluginId?: string): MekongError {
  return new MekongError({
    code: 'TERMINOLOGY_NOT_READY',
    ...(pluginId ? { pluginId } : {}),
    message: 'the terminology service was asked for before the terminology plugin started',
    hint: "add 'terminology' to the plugin's dependencies",
  });
}

function todayIn(timeZone: string, clock: ClockService): () => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return () => format.format(clock.now());
}

/**
 * The terminology plugin: loads the shipped curated code lists, the hospital's files and other plugins'
 * contributions into memory, provides {@link terminologyServiceRef}, and serves `$lookup`, `$validate-code` and
 * `$expand` over HTTP.
 */
export const terminologyPlugin = definePlugin({
  id: 'terminology',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Code systems and value sets from data files: $lookup, $validate-code, $expand',
  dependencies: { server: '^0.1.0' },
  config: terminologyConfigSchema,
  register(env) {
    env.registerExtensionPoint(terminologyCodeSystemsExtensionPoint);
    let service: TerminologyService | undefined;
    const current = (): TerminologyService => {
      if (!service) throw notReady();
      return service;
    };
    env.contribute(fhirOperationsExtensionPoint, {
      deps: { clock: coreServices.clock },
      create: ({ clock }, { config }) => [
        lookupOperation(current),
        validateCodeOperation(current),
        expandOperation(current, config.expansion, clock),
      ],
    });
    env.provideService(
      createServiceFactory({
        service: terminologyServiceRef,
        factory: (_deps, { pluginId }) => {
          if (!service) throw notReady(pluginId);
          return service;
        },
      }),
    );
    env.registerInit({
      deps: {
        contributions: terminologyCodeSystemsExtensionPoint,
        log: coreServices.logger,
        clock: coreServices.clock,
      },
      async init({ contributions, log, clock }, { config }) {
        const codeSystems: CodeSystemDefinition[] = [];
        const valueSets: ValueSetDefinition[] = [...config.valueSets];
        const fail = (pluginId: string, error: unknown, hint: string): never => {
          throw new MekongError({
            code: 'TERMINOLOGY_LOAD_FAILED',
            pluginId,
            message: (error as Error).message,
            hint,
            cause: error,
          });
        };
        for (const name of config.bundled) {
          try {
            codeSystems.push(await loadCodeSystemFile(bundledCodeSystems[name]));
          } catch (error) {
            fail(
              'terminology',
              error,
              `reinstall @mekong/terminology, or leave '${name}' out of plugins.terminology.bundled`,
            );
          }
        }
        for (const source of config.codeSystems) {
          try {
            codeSystems.push(await loadCodeSystemFile(source));
          } catch (error) {
            fail('terminology', error, 'fix the file or its entry in plugins.terminology.codeSystems');
          }
        }
        for (const { pluginId, value } of contributions) {
          const { contribution, problems } = checkContribution(value);
          if (!contribution) {
            fail(
              pluginId,
              new Error(`contributes terminology that is not valid: ${problems.join('; ')}`),
              'fix the contribution',
            );
          }
          for (const source of contribution?.codeSystems ?? []) {
            if (!('format' in source)) {
              codeSystems.push(source);
              continue;
            }
            if (!isAbsolute(source.file)) {
              fail(
                pluginId,
                new Error(`contributes the code list '${source.file}', which is not an absolute path`),
                "build it with fileURLToPath(new URL('../data/x.csv', import.meta.url))",
              );
            }
            try {
              codeSystems.push(await loadCodeSystemFile(source));
            } catch (error) {
              fail(pluginId, error, 'fix the code list the plugin ships');
            }
          }
          valueSets.push(...(contribution?.valueSets ?? []));
        }
        const now = todayIn(config.timeZone, clock);
        try {
          service = new InMemoryTerminology(codeSystems, valueSets, { today: now });
        } catch (error) {
          fail(
            'terminology',
            error,
            'load each code system version once (leave a shipped subset out of plugins.terminology.bundled when loading its full list), and load what each value set draws on',
          );
        }
        log.info(
          {
            codeSystems: codeSystems.map((cs) => `${cs.url}|${cs.version} (${cs.concepts.length})`),
            valueSets: valueSets.length,
          },
          'terminology loaded',
        );
      },
    });
  },
});
