import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runMekong } from './run-mekong.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A deployment folder with the given installed packages (path under node_modules/.. -> package.json). */
function deployment(dependencies: Record<string, string>, installed: Record<string, object>): string {
  const root = mkdtempSync(join(tmpdir(), 'mekong-packages-'));
  dirs.push(root);
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'hospital', private: true, dependencies }));
  // A deployment without plugins: only its installed packages are under test.
  writeFileSync(join(root, 'mekong.config.ts'), 'export default { plugins: [] };\n');
  for (const [path, manifest] of Object.entries(installed)) {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'package.json'), JSON.stringify(manifest));
  }
  return join(root, 'mekong.config.ts');
}

const api = (version: string) => ({
  name: '@h/plugin-lab-api',
  version,
  mekong: { role: 'plugin-api', pluginId: 'lab' },
});
const plugin = (name: string, pluginId: string, range: string) => ({
  name,
  version: '1.0.0',
  mekong: { role: 'plugin', pluginId },
  peerDependencies: { '@h/plugin-lab-api': range },
});

describe('mekong plugins and doctor: installed plugin packages', () => {
  it('lists a family whose versions agree', async () => {
    const config = deployment(
      { '@h/plugin-lab': '1.0.0', '@h/plugin-lab-api': '1.4.0', '@h/plugin-ai': '1.0.0' },
      {
        'node_modules/@h/plugin-lab': { ...plugin('@h/plugin-lab', 'lab', '^1.4.0') },
        'node_modules/@h/plugin-lab-api': api('1.4.0'),
        'node_modules/@h/plugin-ai': plugin('@h/plugin-ai', 'ai', '^1.2.0'),
        'node_modules/zod': { name: 'zod', version: '4.6.7' },
      },
    );
    const { code, stdout } = await runMekong(config, 'plugins');
    expect(stdout).toBe(
      [
        'packages',
        '  @h/plugin-ai@1.0.0  plugin of ai',
        '  @h/plugin-lab@1.0.0  plugin of lab',
        '  @h/plugin-lab-api@1.4.0  plugin-api of lab',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });

  it('names a plugin whose peer range the installed -api package misses, with both versions', async () => {
    const config = deployment(
      { '@h/plugin-ai': '1.0.0', '@h/plugin-lab-api': '1.4.0' },
      {
        'node_modules/@h/plugin-ai': plugin('@h/plugin-ai', 'ai', '^2.0.0'),
        'node_modules/@h/plugin-lab-api': api('1.4.0'),
      },
    );
    const { code, stdout } = await runMekong(config, 'plugins');
    expect(code).toBe(1);
    expect(stdout).toContain(
      `PLUGIN_API_VERSION_MISMATCH: @h/plugin-ai@1.0.0 accepts @h/plugin-lab-api ^2.0.0, but @h/plugin-lab-api@1.4.0 is installed (`,
    );
    expect(stdout).toContain('hint: install a version of @h/plugin-lab-api in ^2.0.0, or a version of @h/plugin-ai');
  });

  it('reports two copies of one -api package (two versions side by side), naming who uses which', async () => {
    const config = deployment(
      { '@h/plugin-lab': '1.0.0', '@h/plugin-ai': '1.0.0' },
      {
        'node_modules/@h/plugin-lab': plugin('@h/plugin-lab', 'lab', '^1.0.0'),
        'node_modules/@h/plugin-lab-api': api('1.4.0'),
        'node_modules/@h/plugin-ai': plugin('@h/plugin-ai', 'ai', '^2.0.0'),
        'node_modules/@h/plugin-ai/node_modules/@h/plugin-lab-api': api('2.0.0'),
      },
    );
    const { code, stdout } = await runMekong(config, 'plugins');
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /PLUGIN_API_COPIES: @h\/plugin-lab-api is installed 2 times, so its refs never meet: 1\.4\.0 \(used by @h\/plugin-lab@1\.0\.0, in \S+\); 2\.0\.0 \(used by @h\/plugin-ai@1\.0\.0, in \S+\)\n {2}hint: install one copy: `pnpm why @h\/plugin-lab-api`/,
    );
    const doctor = await runMekong(config, 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stderr).toContain(
      '✗ plugin packages: 1 problem(s)\n  - [PLUGIN_API_COPIES] @h/plugin-lab-api is installed 2 times',
    );
  });

  it('passes on the example deployment, whose vital-signs plugin peer-depends on the triage -api package', async () => {
    const example = fileURLToPath(new URL('../../../examples/district-hospital/mekong.config.ts', import.meta.url));
    const { stdout } = await runMekong(example, 'plugins');
    expect(stdout).toContain(
      [
        'packages',
        '  @district-hospital/plugin-triage@0.1.0  plugin of triage',
        '  @district-hospital/plugin-triage-api@0.1.0  plugin-api of triage',
        '  @district-hospital/plugin-vital-signs-triage@0.1.0  plugin of vital-signs-triage',
      ].join('\n'),
    );
    expect(stdout).not.toContain('PLUGIN_API');
  });
});
