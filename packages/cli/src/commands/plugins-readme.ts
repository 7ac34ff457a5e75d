import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigTable } from '@mekong/kernel';
import type { Deployment } from '../deployment/deployment.js';
import type { Output } from '../output/output.js';
import { checkPluginPackages } from '../packages/plugin-packages.js';

const START = '<!-- mekong:config-table -->';
const END = '<!-- /mekong:config-table -->';

/**
 * `mekong plugins readme [--check]`: writes each plugin's configuration table (from its config schema's
 * `.describe()` texts) into the README of its installed package, between `<!-- mekong:config-table -->` and
 * `<!-- /mekong:config-table -->`. With `check`, writes nothing and fails when a README is out of date or has
 * no such markers, as CI runs it.
 */
export function pluginReadmes(deployment: Deployment, dir: string, options: { check: boolean }, out: Output): number {
  const { packages } = checkPluginPackages(dir);
  let failed = 0;
  for (const plugin of deployment.plugins) {
    const id = plugin.manifest.id;
    const pkg = packages.find((p) => p.role === 'plugin' && p.pluginId === id);
    if (!pkg) continue;
    const file = join(pkg.dir, 'README.md');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const start = text?.indexOf(START) ?? -1;
    const end = text?.indexOf(END) ?? -1;
    if (text === undefined || start === -1 || end < start) {
      failed++;
      out.error(
        `${id}: ${file} has no configuration table\n  hint: add a "Configuration" section with the lines ${START} and ${END}, then run \`mekong plugins readme\``,
      );
      continue;
    }
    const updated = `${text.slice(0, start + START.length)}\n\n${renderConfigTable(plugin)}\n${text.slice(end)}`;
    if (updated === text) {
      out.line(`${id}: ${file} is up to date`);
    } else if (options.check) {
      failed++;
      out.error(`${id}: the configuration table of ${file} is out of date\n  hint: run \`mekong plugins readme\``);
    } else {
      writeFileSync(file, updated);
      out.line(`${id}: wrote the configuration table of ${file}`);
    }
  }
  return failed === 0 ? 0 : 1;
}
