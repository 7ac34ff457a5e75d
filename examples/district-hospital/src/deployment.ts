import { triagePlugin } from '@district-hospital/plugin-triage';
import { vitalSignsTriagePlugin } from '@district-hospital/plugin-vital-signs-triage';
import { createHost, type Host, type HostConfig } from '@mekong/kernel';
import { serverPlugin } from '@mekong/server';
import { storePlugin } from '@mekong/store';
import { terminologyPlugin } from '@mekong/terminology';
import { demoDataPlugin } from './plugins/demo-data.js';

/**
 * The plugins of this deployment: the core (store, server), terminology (the shipped ICD-10, ATC and LOINC
 * subsets), demo data, and the sample triage plugins.
 */
export const plugins = [
  storePlugin,
  serverPlugin,
  terminologyPlugin,
  demoDataPlugin,
  triagePlugin,
  vitalSignsTriagePlugin,
];

/**
 * The deployment's configuration from the environment: PostgreSQL when `DATABASE_URL` is set, else embedded
 * PGlite in `MEKONG_DATA_DIR` (default `.mekong-data` here); `PORT` (default 8080), `HOST`, `LOG_LEVEL`, and the
 * first administrator key from `MEKONG_BOOTSTRAP_API_KEY` (generated and printed once when unset).
 */
export function deploymentConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  return {
    kernel: { logLevel: (env.LOG_LEVEL as 'info' | undefined) ?? 'warn' },
    plugins: {
      store: env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.MEKONG_DATA_DIR ?? '.mekong-data' },
      server: {
        port: env.PORT ? Number(env.PORT) : 8080,
        ...(env.HOST ? { host: env.HOST } : {}),
        ...(env.MEKONG_BOOTSTRAP_API_KEY ? { bootstrapApiKey: env.MEKONG_BOOTSTRAP_API_KEY } : {}),
      },
      triage: { defaultLevel: 4 },
    },
  };
}

/** Builds the host of the district hospital. */
export function createDeployment(config: HostConfig = deploymentConfig()): Host {
  return createHost({ config }).add(...plugins);
}
