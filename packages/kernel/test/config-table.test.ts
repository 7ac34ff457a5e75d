import { definePlugin, renderConfigTable } from '@mekong/kernel';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('renderConfigTable', () => {
  it('renders each key, nested keys dotted, with its type, default and .describe() text', () => {
    const plugin = definePlugin({
      id: 'pharmacy',
      version: '1.0.0',
      kernel: '^0.1.0',
      config: z.object({
        dispenseWindowDays: z.number().int().positive().default(5).describe('Days a prescription may be dispensed'),
        mode: z.enum(['strict', 'lenient']).default('strict').describe('How interactions | warnings are handled'),
        formulary: z
          .object({
            url: z.string().url().optional().describe('Where the formulary is published'),
            codes: z.array(z.string()).default([]),
          })
          .prefault({}),
        supplier: z.string().describe('The wholesaler code'),
      }),
      register: () => {},
    });
    expect(renderConfigTable(plugin)).toBe(
      [
        "Under `plugins.pharmacy` in the deployment's configuration:",
        '',
        '| Key                  | Type                      | Default    | Description                              |',
        '| -------------------- | ------------------------- | ---------- | ---------------------------------------- |',
        '| `dispenseWindowDays` | integer, > 0              | `5`        | Days a prescription may be dispensed     |',
        '| `mode`               | `"strict"` or `"lenient"` | `"strict"` | How interactions \\| warnings are handled |',
        '| `formulary.url`      | string (uri)              | unset      | Where the formulary is published         |',
        '| `formulary.codes`    | array of string           | `[]`       | (no description)                         |',
        '| `supplier`           | string                    | required   | The wholesaler code                      |',
        '',
      ].join('\n'),
    );
  });

  it('says so when a plugin takes no configuration', () => {
    const plugin = definePlugin({ id: 'quiet', version: '1.0.0', kernel: '^0.1.0', register: () => {} });
    expect(renderConfigTable(plugin)).toBe('`quiet` takes no configuration.\n');
  });
});
