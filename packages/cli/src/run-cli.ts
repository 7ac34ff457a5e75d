import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { doctor } from './commands/doctor.js';
import { migrate } from './commands/migrate.js';
import { listPlugins } from './commands/plugins.js';
import { pluginReadmes } from './commands/plugins-readme.js';
import { seed } from './commands/seed.js';
import { start } from './commands/start.js';
import { createToken } from './commands/token.js';
import { DEFAULT_CONFIG_FILE, loadDeployment } from './deployment/load-deployment.js';
import { type Output, terminal } from './output/output.js';
import { version } from './version.js';

const positiveInteger = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of days, 1 or more');
  return n;
};
const requestsPerWindow = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new InvalidArgumentError('must be a whole number of requests per rate-limit window, 1 to 1,000,000');
  }
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

interface TokenCommandOptions {
  name: string;
  role: string[];
  patient?: string[];
  expiresInDays?: number;
  rateLimit?: number;
}

/** Runs the `mekong` command line with `argv` (without node and the script) and resolves with its exit code. */
export async function runCli(argv: readonly string[], out: Output = terminal): Promise<number> {
  let exitCode = 0;
  const program = new Command('mekong')
    .description('Run and manage a Mekong deployment')
    .version(version)
    .option('-c, --config <file>', 'the deployment configuration', DEFAULT_CONFIG_FILE)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.line(s.trimEnd()), writeErr: (s) => out.error(s.trimEnd()) });
  const deployment = () => loadDeployment(program.opts<{ config: string }>().config);
  // Plugin packages are looked up from the configuration file's folder, as Node.js resolves its imports.
  const deploymentDir = () => dirname(resolve(program.opts<{ config: string }>().config));

  program
    .command('start')
    .description('start the deployment and serve it until Ctrl+C')
    .action(async () => {
      exitCode = await start(await deployment(), out);
    });
  program
    .command('doctor')
    .description('check Node.js, plugins, configuration, database and migrations without starting')
    .action(async () => {
      exitCode = await doctor(await deployment(), deploymentDir(), out);
    });
  program
    .command('migrate')
    .description("apply the store's and the plugins' pending migrations")
    .option('--dry-run', 'list the pending migrations, apply nothing', false)
    .action(async (options: { dryRun: boolean }) => {
      exitCode = await migrate(await deployment(), options, out);
    });
  const plugins = program
    .command('plugins')
    .description('list the plugins with their versions, dependencies, capabilities, status and packages')
    .action(async () => {
      exitCode = listPlugins(await deployment(), deploymentDir(), out);
    });
  plugins
    .command('readme')
    .description("write each plugin's configuration table (from its schema's descriptions) into its README")
    .option('--check', 'write nothing; fail when a README is out of date', false)
    .action(async (options: { check: boolean }) => {
      exitCode = pluginReadmes(await deployment(), deploymentDir(), options, out);
    });
  program
    .command('seed')
    .description("load the deployment's demo data")
    .action(async () => {
      exitCode = await seed(await deployment(), out);
    });
  program
    .command('token')
    .description('manage API keys')
    .command('create')
    .description('issue an API key (printed once)')
    .requiredOption('--name <name>', 'who or what uses the key')
    .requiredOption('--role <role>', 'a role of the key, e.g. clinician or admin (repeat for several)', collect)
    .option('--patient <Patient/id>', 'restrict the key to this patient (repeat for several)', collect)
    .option('--expires-in-days <days>', 'expire the key after this many days', positiveInteger)
    .option(
      '--rate-limit <requests>',
      "the key's own rate limit, requests per window (an integration posting in bursts; default: its roles')",
      requestsPerWindow,
    )
    .action(async (options: TokenCommandOptions) => {
      exitCode = await createToken(
        await deployment(),
        {
          name: options.name,
          roles: options.role,
          ...(options.patient ? { patients: options.patient } : {}),
          ...(options.expiresInDays ? { expiresInDays: options.expiresInDays } : {}),
          ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
        },
        out,
      );
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code?.startsWith('commander.')) return 2;
    out.error(describe(error));
    return 1;
  }
}

/** Mekong's errors (CLI, kernel, store, server) say what to do next in `hint`. */
function describe(error: unknown): string {
  const hint = (error as { hint?: unknown }).hint;
  const message = error instanceof Error ? error.message : String(error);
  return typeof hint === 'string' ? `${message}\nhint: ${hint}` : `unexpected failure: ${message}`;
}
