import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, renderConfigTable } from '@mekong/kernel';
import { afterAll, describe, expect, it } from 'vitest';
import { runMekong } from './run-mekong.js';

const root = mkdtempSync(join(tmpdir(), 'mekong-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mekong plugins readme', () => {
  it("the example plugins' READMEs hold the tables their config schemas generate", async () => {
    const example = fileURLToPath(new URL('../../../examples/district-hospital/mekong.config.ts', import.meta.url));
    const { code, stdout, stderr } = await runMekong(example, 'plugins', 'readme', '--check');
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^triage: \S+\/plugins\/triage\/README\.md is up to date$/m);
    expect(stdout).toMatch(/^vital-signs-triage: \S+\/plugins\/vital-signs-triage\/README\.md is up to date$/m);
    expect(code).toBe(0);
  });

  it('--check fails on a stale table or missing markers; without it, the table is written from the schema', async () => {
    mkdirSync(join(root, 'node_modules/@mekong'), { recursive: true });
    symlinkSync(fileURLToPath(new URL('../../kernel', import.meta.url)), join(root, 'node_modules/@mekong/kernel'));
    symlinkSync(
      fileURLToPath(new URL('../../kernel/node_modules/zod', import.meta.url)),
      join(root, 'node_modules/zod'),
    );
    const ward = join(root, 'node_modules/@h/plugin-ward');
    mkdirSync(ward, { recursive: true });
    const manifest = { name: '@h/plugin-ward', version: '1.0.0', mekong: { role: 'plugin', pluginId: 'ward' } };
    writeFileSync(join(ward, 'package.json'), JSON.stringify(manifest));
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'h', private: true, dependencies: { '@h/plugin-ward': '1.0.0' } }),
    );
    const config = join(root, 'mekong.config.ts');
    writeFileSync(
      config,
      `import { definePlugin } from '@mekong/kernel';
import { z } from 'zod';
const ward = definePlugin({
  id: 'ward', version: '1.0.0', kernel: '^0.1.0',
  config: z.object({ beds: z.number().int().min(1).default(20).describe('Beds in the ward') }),
  register: () => {},
});
export default { plugins: [ward] };
`,
    );
    const readme = join(ward, 'README.md');
    writeFileSync(readme, '# Ward\n\n## Configuration\n\nNone yet.\n');
    const missing = await runMekong(config, 'plugins', 'readme', '--check');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`ward: ${readme} has no configuration table`);

    const stale =
      '# Ward\n\n## Configuration\n\n<!-- mekong:config-table -->\n| old |\n<!-- /mekong:config-table -->\n\nMore.\n';
    writeFileSync(readme, stale);
    const check = await runMekong(config, 'plugins', 'readme', '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toBe(
      `ward: the configuration table of ${readme} is out of date\n  hint: run \`mekong plugins readme\``,
    );
    expect(readFileSync(readme, 'utf8')).toBe(stale);

    const write = await runMekong(config, 'plugins', 'readme');
    expect(write.code).toBe(0);
    const [plugin] = ((await import(config)) as { default: { plugins: Plugin[] } }).default.plugins;
    expect(readFileSync(readme, 'utf8')).toBe(
      `# Ward\n\n## Configuration\n\n<!-- mekong:config-table -->\n\n${renderConfigTable(plugin as Plugin)}\n<!-- /mekong:config-table -->\n\nMore.\n`,
    );
    expect(readFileSync(readme, 'utf8')).toContain('| `beds` | integer, ≥ 1 | `20`    | Beds in the ward |');
    expect((await runMekong(config, 'plugins', 'readme', '--check')).code).toBe(0);
  });
});
