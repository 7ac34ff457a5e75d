/**
 * `mekong`, the command line of a Mekong deployment (`start`, `doctor`, `migrate`, `plugins`, `token create`,
 * `seed`), and `defineDeployment` for the `mekong.config.ts` it reads.
 *
 * @packageDocumentation
 */
export type { Deployment } from './deployment/deployment.js';
export { defineDeployment } from './deployment/deployment.js';
export { DEFAULT_CONFIG_FILE, loadDeployment } from './deployment/load-deployment.js';
export { CliError } from './output/cli-error.js';
export type { Output } from './output/output.js';
export { runCli } from './run-cli.js';
