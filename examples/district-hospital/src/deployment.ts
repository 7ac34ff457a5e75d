import { createHost, type Host, type HostConfig } from '@mekong/kernel';
import { triagePlugin } from './plugins/triage.js';
import { vitalSignsTriagePlugin } from './plugins/vital-signs-triage.js';

/** The plugins of this deployment. The clinical plugins join as they land. */
export const plugins = [triagePlugin, vitalSignsTriagePlugin];

/** The deployment's configuration; `LOG_LEVEL` sets the log level. */
export function deploymentConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  return {
    kernel: { logLevel: (env.LOG_LEVEL as 'info' | undefined) ?? 'warn' },
    plugins: { triage: { defaultLevel: 4 } },
  };
}

/** Builds the host of the district hospital. */
export function createDeployment(config: HostConfig = deploymentConfig()): Host {
  return createHost({ config }).add(...plugins);
}
