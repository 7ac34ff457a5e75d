import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPlugin } from '@mekong/kernel';
import { CliError } from '../output/cli-error.js';
import type { Deployment } from './deployment.js';

/** The file `mekong` reads when no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'mekong.config.ts';

/**
 * Loads a deployment's `mekong.config.ts` and checks its shape. TypeScript loads through tsx, which the `mekong`
 * command registers before anything else (one module graph: plugins and the kernel are the same instances).
 */
export async function loadDeployment(file: string = DEFAULT_CONFIG_FILE, cwd = process.cwd()): Promise<Deployment> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) {
    throw new CliError(
      `no deployment configuration at ${path}`,
      `run mekong in a deployment folder (one with ${DEFAULT_CONFIG_FILE}) or pass --config <file>`,
    );
  }
  let loaded: { default?: unknown };
  try {
    loaded = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new CliError(
      `${path} could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      'fix the error in the configuration file (run `pnpm typecheck` for details)',
    );
  }
  const deployment = loaded.default as Partial<Deployment> | undefined;
  if (!deployment || typeof deployment !== 'object' || !Array.isArray(deployment.plugins)) {
    throw new CliError(
      `${path} has no deployment as its default export`,
      "end it with `export default defineDeployment({ plugins: [...], config: {...} })` from '@mekong/cli'",
    );
  }
  const notPlugin = deployment.plugins.findIndex((plugin) => !isPlugin(plugin));
  if (notPlugin !== -1) {
    throw new CliError(
      `${path}: plugins[${notPlugin}] is not a plugin`,
      'list the objects returned by definePlugin() (import them from their packages)',
    );
  }
  return deployment as Deployment;
}
