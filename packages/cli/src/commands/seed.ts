import { AuditLog, ResourceStore, runMigrations, ScopedStore } from '@mekong/store';
import { describeDatabase, migrationSets, openDatabase } from '../deployment/database.js';
import { type Deployment, hostOf } from '../deployment/deployment.js';
import { CliError } from '../output/cli-error.js';
import { type Output, step } from '../output/output.js';

/**
 * `mekong seed`: writes the deployment's demo resources (its `seed`), each with its fixed id, as the system
 * agent `mekong-cli` (every write audited). Seeding twice adds versions, never duplicates.
 */
export async function seed(deployment: Deployment, out: Output): Promise<number> {
  const resources = deployment.seed ?? [];
  if (resources.length === 0) {
    throw new CliError('the deployment has no demo data', 'add `seed: [...]` (resources with ids) to mekong.config.ts');
  }
  const unnamed = resources.findIndex((resource) => !resource.id);
  if (unnamed !== -1) {
    throw new CliError(
      `seed[${unnamed}] (${resources[unnamed]?.resourceType}) has no id`,
      'give every demo resource a fixed id, so seeding twice updates it instead of adding a copy',
    );
  }
  const host = hostOf(deployment);
  const db = await step(out, `open ${describeDatabase(deployment)}`, () => openDatabase(deployment));
  try {
    await step(out, 'apply pending migrations', () => runMigrations(db, migrationSets(host)));
    const types = [...new Set(resources.map((resource) => resource.resourceType))];
    const store = new ScopedStore(
      new ResourceStore(db),
      new AuditLog(db),
      { rules: types.map((type) => ({ type, interactions: ['update'] })) },
      { agent: { kind: 'system', id: 'mekong-cli', display: 'mekong seed' } },
    );
    await step(out, `write ${resources.length} demo resource(s) (${types.join(', ')})`, async () => {
      for (const resource of resources) await store.update(resource);
    });
    return 0;
  } finally {
    await db.close();
  }
}
