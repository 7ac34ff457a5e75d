import { ApiKeys, authConfigSchema, RoleCatalogue } from '@mekong/server';
import { runMigrations } from '@mekong/store';
import { describeDatabase, migrationSets, openDatabase } from '../deployment/database.js';
import { type Deployment, hostOf } from '../deployment/deployment.js';
import { CliError } from '../output/cli-error.js';
import { type Output, step } from '../output/output.js';

/** Options of `mekong token create`. */
export interface TokenOptions {
  readonly name: string;
  readonly roles: readonly string[];
  readonly patients?: readonly string[];
  readonly expiresInDays?: number;
}

/**
 * `mekong token create`: issues an API key for a system or a person, with roles and an optional patient
 * compartment. The key is printed once; only its hash is stored.
 */
export async function createToken(deployment: Deployment, options: TokenOptions, out: Output): Promise<number> {
  if (!deployment.plugins.some((plugin) => plugin.manifest.id === 'server')) {
    throw new CliError(
      "the deployment has no 'server' plugin: API keys are for its HTTP API",
      "add serverPlugin from '@mekong/server' to the plugins in mekong.config.ts",
    );
  }
  const host = hostOf(deployment);
  const db = await step(out, `open ${describeDatabase(deployment)}`, () => openDatabase(deployment));
  try {
    await step(out, 'apply pending migrations', () => runMigrations(db, migrationSets(host)));
    const expiresAt =
      options.expiresInDays === undefined ? undefined : new Date(Date.now() + options.expiresInDays * 86_400_000);
    const auth = (deployment.config?.plugins?.server as { auth?: unknown } | undefined)?.auth ?? {};
    const roles = new RoleCatalogue(authConfigSchema.parse(auth).roles).names();
    const { id, key } = await new ApiKeys(db, () => new Date(), roles).create({
      name: options.name,
      roles: [...options.roles],
      ...(options.patients ? { compartment: [...options.patients] } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    });
    out.line(`API key ${id} for '${options.name}' (roles: ${options.roles.join(', ')})`);
    out.line(key);
    out.line('Keep it now: it is shown once. Send it as `Authorization: Bearer <key>`.');
    return 0;
  } finally {
    await db.close();
  }
}
