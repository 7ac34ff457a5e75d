import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { terminologyConfigSchema } from '@mekong/terminology';
import { expect, it } from 'vitest';

// The configuration the guide and the package README show is accepted as written.
const shown = ['../../guides/terminology.md', '../../../packages/terminology/README.md'].flatMap((path) => {
  const text = readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => [path, JSON.parse(m[1] as string)] as const);
});

it.each(shown.filter(([, json]) => json.plugins?.terminology))('%s configures the plugin validly', (_, json) => {
  const parsed = terminologyConfigSchema.safeParse(json.plugins.terminology);
  expect(parsed.error?.issues).toBeUndefined();
});

it('finds the examples', () => {
  expect(shown.filter(([, json]) => json.plugins?.terminology?.codeSystems).length).toBe(2);
});
