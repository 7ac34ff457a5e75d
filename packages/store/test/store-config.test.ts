import { renderConfigTable } from '@mekong/kernel';
import { expect, it } from 'vitest';
import { storePlugin } from '../src/index.js';

it('describes every key of its configuration, so a README table can be generated from the schema', () => {
  const rows = renderConfigTable(storePlugin)
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  expect(rows.map((row) => row.split('|')[1]?.trim())).toEqual([
    '`databaseUrl`',
    '`dataDir`',
    '`templateCacheDir`',
    '`shippedTemplate`',
    '`gateways`',
    '`auditCommit`',
    '`poolSize`',
    '`connectTimeoutMs`',
    '`maxSortedMatches`',
  ]);
  for (const row of rows) expect(row.split('|').at(-2)?.trim().length, row).toBeGreaterThan(20);
});
