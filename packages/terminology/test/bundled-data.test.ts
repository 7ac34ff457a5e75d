import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// A folder right under the package, where the built dist/ sits: the shipped data must be found from there too.
const out = mkdtempSync(join(root, '.bundle-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('finds the shipped code lists from the built bundle as from the sources', async () => {
  await build({
    entry: { index: join(root, 'src/index.ts') },
    outDir: out,
    format: ['esm'],
    dts: false,
    silent: true,
    config: false,
    external: [/^@mekong\//, 'zod', 'csv-parse', 'exceljs'],
  });
  const built = (await import(pathToFileURL(join(out, 'index.js')).href)) as typeof import('@mekong/terminology');
  const icd = await built.loadCodeSystemFile(built.bundledCodeSystems['icd-10-vn']);
  expect(icd.concepts.find((c) => c.code === 'I21')?.display).toBe('Nhồi máu cơ tim cấp');
}, 30_000);
