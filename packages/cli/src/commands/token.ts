import { ApiKeys, apiKeyChange, auditedApiKey, authConfigSchema, RoleCatalogue } from '@mekong/server';
import { type AuditEntry, type AuditedCredential, AuditLog, runMigrations } from '@mekong/store';
import { describeDatabase, migrationSets, openDatabase } from '../deployment/database.js';
import { type Deployment, hostOf } from '../deployment/deployment.js';
import { CliError } from '../output/cli-error.js';
import { type Output, step } from '../output/output.js';
import { cliAgent } from './cli-agent.js';

/** Options of `mekong token create`. */
export interface TokenOptions {
  readonly name: string;
  readonly roles: readonly string[];
  readonly patients?: readonly string[];
  readonly expiresInDays?: number;
  /** The key's own rate limit, requests per window (`limits.rateLimit.timeWindowMs`). */
  readonly rateLimit?: number;
}

/**
 * `mekong token create`: issues an API key for a system or a person, with roles and an optional patient
 * compartment. The key is printed once; only its hash is stored. Once the database is open, the attempt is
 * audited as the server audits `POST /admin/api-keys` (a credential issued, with the key's id, name and roles,
 * in the transaction that creates it; or failed, with why), under the OS user running the command.
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
    const wanted = {
      name: options.name,
      roles: [...options.roles],
      ...(options.patients ? { compartment: [...options.patients] } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    };
    const trail = new AuditLog(db);
    const agent = cliAgent();
    const entry = (outcome: AuditEntry['outcome'], credential: AuditedCredential, detail?: string): AuditEntry => ({
      ...apiKeyChange('credential-issued', credential),
      context: { agent },
      name: 'mekong token create',
      outcome,
      ...(detail ? { detail } : {}),
      source: 'cli',
      recorded: new Date(),
    });
    let created: { id: string; key: string };
    try {
      created = await new ApiKeys(db, () => new Date(), roles).create(wanted, (issued, tx) =>
        trail.record(entry('success', auditedApiKey(issued)), tx),
      );
    } catch (error) {
      await recordFailure(trail, entry('failed', wanted, (error as Error).message), error);
      throw error;
    }
    const { id, key } = created;
    const limit = options.rateLimit !== undefined ? `; rate limit ${options.rateLimit} requests per window` : '';
    out.line(`API key ${id} for '${options.name}' (roles: ${options.roles.join(', ')}${limit})`);
    out.line(key);
    out.line('Keep it now: it is shown once. Send it as `Authorization: Bearer <key>`.');
    return 0;
  } finally {
    await db.close();
  }
}

/** Records a failed issue; when even that fails, says so beside the first error. */
async function recordFailure(trail: AuditLog, failed: AuditEntry, error: unknown): Promise<void> {
  try {
    await trail.record(failed);
  } catch (recording) {
    throw new CliError(
      `${(error as Error).message}; and its audit record could not be written: ${(recording as Error).message}`,
      'check that the database is reachable and writable, then run the command again',
    );
  }
}
