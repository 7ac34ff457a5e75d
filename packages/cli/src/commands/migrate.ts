import { runMigrations } from '@mekong/store';
import { describeDatabase, migrationSets, openDatabase } from '../deployment/database.js';
import { type Deployment, hostOf } from '../deployment/deployment.js';
import { type Output, step } from '../output/output.js';

/** `mekong migrate [--dry-run]`: applies the store's and the plugins' pending migrations, or lists them. */
export async function migrate(deployment: Deployment, options: { dryRun: boolean }, out: Output): Promise<number> {
  const host = hostOf(deployment);
  const sets = migrationSets(host);
  const db = await step(out, `open ${describeDatabase(deployment)}`, () => openDatabase(deployment));
  try {
    const report = await step(out, options.dryRun ? 'check migrations (dry run)' : 'apply migrations', () =>
      runMigrations(db, sets, { dryRun: options.dryRun }),
    );
    const verb = options.dryRun ? 'pending' : 'applied';
    out.line(`${report.applied.length} migration(s) ${verb}, ${report.alreadyApplied} already applied`);
    for (const migration of report.applied) out.line(`  ${verb}: ${migration}`);
    if (options.dryRun && report.applied.length > 0) out.line('run `mekong migrate` to apply them');
    return 0;
  } finally {
    await db.close();
  }
}
