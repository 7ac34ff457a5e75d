import { z } from 'zod';
import { PluginDefinitionError } from '../errors/errors.js';
import { validationIssues } from '../errors/zod-issues.js';
import { type CapabilitiesInput, manifestSchema, type PluginManifest } from './manifest.js';
import type { PluginEnv } from './plugin-env.js';

/** A plugin: a plain, tagged object with a serialisable manifest and a pure `register`. */
export interface Plugin<TConfig = unknown> {
  readonly $$type: '@mekong/Plugin';
  readonly manifest: PluginManifest;
  /** The zod schema the host validates `config.plugins[id]` against. */
  readonly configSchema: z.ZodType<TConfig>;
  /** Declares extension points, contributions, services and the init. Must not perform work. */
  register(env: PluginEnv<TConfig>): void;
}

/** What a plugin author writes. */
export interface PluginDefinition<TSchema extends z.ZodType> {
  /** Kebab-case, unique in a deployment. */
  id: string;
  /** The plugin's own semver version. */
  version: string;
  /** The kernel versions this plugin works with, as a semver range (for example `^0.1.0`). */
  kernel: string;
  description?: string;
  /** Required plugins: id to semver range. */
  dependencies?: Record<string, string>;
  /** Plugins used when present: id to semver range. */
  optionalDependencies?: Record<string, string>;
  /** A zod schema for `config.plugins[id]`; give every field a default so the plugin runs unconfigured. */
  config?: TSchema;
  capabilities?: CapabilitiesInput;
  register: (env: PluginEnv<z.output<TSchema>>) => void;
}

const emptyConfig = z.object({}).strict();

/**
 * Defines a plugin. Validates the id, version and ranges at once, so a malformed plugin fails where it is
 * written rather than in a deployment.
 *
 * @example
 * ```ts
 * export const triagePlugin = definePlugin({
 *   id: 'triage',
 *   version: '0.1.0',
 *   kernel: '^0.1.0',
 *   config: z.object({ alertLevel: z.number().int().min(1).max(5).default(2) }),
 *   register(env) {
 *     env.registerInit({ deps: { log: coreServices.logger }, async init({ log }, { config }) { ... } });
 *   },
 * });
 * ```
 */
export function definePlugin<TSchema extends z.ZodType = typeof emptyConfig>(
  definition: PluginDefinition<TSchema>,
): Plugin<z.output<TSchema>> {
  const { config, register, ...rest } = definition;
  const parsed = manifestSchema.safeParse(rest);
  if (!parsed.success) {
    throw new PluginDefinitionError(
      typeof definition.id === 'string' ? definition.id : '<no id>',
      validationIssues(parsed.error).map((i) => `${i.path || '<root>'}: ${i.message}`),
    );
  }
  if (typeof register !== 'function') {
    throw new PluginDefinitionError(definition.id, ['register: must be a function (env) => void']);
  }
  const configSchema = (config ?? emptyConfig) as z.ZodType<z.output<TSchema>>;
  const manifest: PluginManifest = {
    ...parsed.data,
    ...(config ? { config: z.toJSONSchema(config, { io: 'input', unrepresentable: 'any' }) } : {}),
  } as PluginManifest;
  return Object.freeze({
    $$type: '@mekong/Plugin' as const,
    manifest: Object.freeze(manifest),
    configSchema,
    register,
  });
}

/** Tells a plugin from other values. */
export function isPlugin(value: unknown): value is Plugin {
  return (value as { $$type?: unknown } | null)?.$$type === '@mekong/Plugin';
}
