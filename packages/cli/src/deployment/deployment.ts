import type { AnyResource } from '@mekong/fhir';
import { createHost, type Host, type HostConfig, type Plugin } from '@mekong/kernel';

/**
 * A deployment, as a `mekong.config.ts` exports it (default export): the plugins, their configuration, and the
 * demo data `mekong seed` loads.
 */
export interface Deployment {
  readonly plugins: readonly Plugin[];
  /** `kernel` settings and `plugins.<id>` configuration (the store's database is `plugins.store`). */
  readonly config?: HostConfig;
  /** Demo resources with fixed ids: `mekong seed` writes each (create or update), so seeding twice changes nothing. */
  readonly seed?: readonly AnyResource[];
}

/** Declares a deployment with its types checked; returns it unchanged. */
export function defineDeployment(deployment: Deployment): Deployment {
  return deployment;
}

/** A host of the deployment's plugins and configuration, not started. */
export function hostOf(deployment: Deployment): Host {
  return createHost(deployment.config ? { config: deployment.config } : {}).add(...deployment.plugins);
}
