import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every TypeScript block in a guide must be an include of a file the test suite runs, and match it exactly.
const guides = join(dirname(fileURLToPath(import.meta.url)), 'guides');
const block = /(<!-- include: (\S+) -->\n)?```ts\n([\s\S]*?)```/g;

describe.each(readdirSync(guides).filter((f) => f.endsWith('.md')))('guide %s', (file) => {
  const text = readFileSync(join(guides, file), 'utf8');
  const blocks = [...text.matchAll(block)];

  it('has code, and every ts block is an include', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const [whole, include] of blocks) expect(include, whole.slice(0, 80)).toBeDefined();
  });

  it.each(blocks.filter((b) => b[2]).map((b) => [b[2] as string, b[3] as string]))(
    'shows %s as it is',
    (path, code) => {
      expect(code).toBe(readFileSync(resolve(guides, path), 'utf8'));
    },
  );
});
