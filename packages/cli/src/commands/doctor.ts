import { formatProblems } from '@mekong/kernel';
import { runMigrations } from '@mekong/store';
import { describeDatabase, migrationSets, openDatabase } from '../deployment/database.js';
import { type Deployment, hostOf } from '../deployment/deployment.js';
import type { Output } from '../output/output.js';
import { checkPluginPackages } from '../packages/plugin-packages.js';

interface Check {
  readonly label: string;
  readonly run: () => Promise<string> | string;
}

/**
 * `mekong doctor`: everything a start needs, checked without starting: Node.js version, pre-flight (plugin
 * versions, dependencies, configuration), the installed plugin packages (each `-api` package in the range its
 * users accept, installed once), database reachability, and migrations (pending, or changed since applied).
 * Prints every check, with what to do about each failure; exit code 1 when any failed.
 */
export async function doctor(deployment: Deployment, dir: string, out: Output): Promise<number> {
  const host = hostOf(deployment);
  let failed = 0;
  const checks: Check[] = [
    {
      label: 'Node.js',
      run: () => {
        const major = Number(process.versions.node.split('.')[0]);
        if (major < 22)
          throw new Error(`Node.js ${process.versions.node} is too old\n    hint: install Node.js 22 or newer`);
        return process.versions.node;
      },
    },
    {
      label: 'pre-flight',
      run: () => {
        const { problems, plugins } = host.check();
        if (problems.length > 0) throw new Error(`${problems.length} problem(s)\n${formatProblems(problems)}`);
        return `${plugins.length} plugin(s), versions, dependencies and configuration accepted`;
      },
    },
    {
      label: 'plugin packages',
      run: () => {
        const { packages, problems } = checkPluginPackages(dir);
        if (problems.length > 0) {
          throw new Error(
            `${problems.length} problem(s)\n${problems.map((p) => `  - [${p.code}] ${p.message}\n    hint: ${p.hint}`).join('\n')}`,
          );
        }
        const apis = packages.filter((p) => p.role === 'plugin-api').length;
        return `${packages.length - apis} plugin and ${apis} -api package(s) installed, versions agree`;
      },
    },
    {
      label: 'database and migrations',
      run: async () => {
        const db = await openDatabase(deployment);
        try {
          const report = await runMigrations(db, migrationSets(host), { dryRun: true });
          if (report.applied.length > 0) {
            throw new Error(
              `${describeDatabase(deployment)} is reachable; ${report.applied.length} migration(s) pending: ${report.applied.join(', ')}\n    hint: run \`mekong migrate\` (a start applies them too)`,
            );
          }
          return `${describeDatabase(deployment)} is reachable, ${report.alreadyApplied} migration(s) applied, none pending`;
        } finally {
          await db.close();
        }
      },
    },
  ];
  for (const check of checks) {
    const t = performance.now();
    try {
      const detail = await check.run();
      out.line(`✓ ${check.label}: ${detail} (${(performance.now() - t).toFixed(0)} ms)`);
    } catch (error) {
      failed++;
      const hint = (error as { hint?: string }).hint;
      out.error(`✗ ${check.label}: ${(error as Error).message}${hint ? `\n    hint: ${hint}` : ''}`);
    }
  }
  out.line(failed === 0 ? 'ready to start' : `${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}
