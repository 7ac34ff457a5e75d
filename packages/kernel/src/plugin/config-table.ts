import type { Plugin } from './define-plugin.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
}

/**
 * The configuration table of a plugin's README, in Markdown: one row per key of its config schema (nested keys
 * dotted), with its type, its default and its `.describe()` text, so the README says what the schema does.
 * `mekong plugins readme` writes it between `<!-- mekong:config-table -->` and `<!-- /mekong:config-table -->`.
 */
export function renderConfigTable(plugin: Plugin): string {
  const schema = plugin.manifest.config as JsonSchema | undefined;
  const rows = schema ? configRows(schema, '', schema.required ?? []) : [];
  if (rows.length === 0) return `\`${plugin.manifest.id}\` takes no configuration.\n`;
  const table = [['Key', 'Type', 'Default', 'Description'], ...rows.map((row) => row.map(cell))];
  // Columns padded as Markdown formatters (Biome, Prettier) leave them, so a formatted README stays current.
  const widths = [0, 1, 2, 3].map((i) => Math.max(3, ...table.map((row) => width(row[i] as string))));
  const line = (row: readonly string[]) => `| ${row.map((text, i) => pad(text, widths[i] as number)).join(' | ')} |`;
  const [header, ...body] = table as [string[], ...string[][]];
  const lines = [
    `Under \`plugins.${plugin.manifest.id}\` in the deployment's configuration:`,
    '',
    line(header),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...body.map(line),
  ];
  return `${lines.join('\n')}\n`;
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(to - width(text));
}

function configRows(schema: JsonSchema, prefix: string, required: readonly string[]): string[][] {
  const rows: string[][] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${key}`;
    if (property.properties && Object.keys(property.properties).length > 0) {
      rows.push(...configRows(property, `${path}.`, property.required ?? []));
      continue;
    }
    const fallback =
      property.default !== undefined
        ? `\`${JSON.stringify(property.default)}\``
        : required.includes(key)
          ? 'required'
          : 'unset';
    rows.push([`\`${path}\``, typeOf(property), fallback, property.description ?? '(no description)']);
  }
  return rows;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
  // zod bounds every integer to the safe range: only the schema's own bounds say anything.
  const shown = (n: number | undefined): n is number => n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  const bounds = [
    shown(schema.minimum) && `≥ ${schema.minimum}`,
    shown(schema.exclusiveMinimum) && `> ${schema.exclusiveMinimum}`,
    shown(schema.maximum) && `≤ ${schema.maximum}`,
    shown(schema.exclusiveMaximum) && `< ${schema.exclusiveMaximum}`,
  ].filter((b): b is string => typeof b === 'string');
  return [schema.format ? `${type} (${schema.format})` : type, ...bounds].join(', ');
}

/** A table cell: pipes escaped, line breaks as spaces. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}
