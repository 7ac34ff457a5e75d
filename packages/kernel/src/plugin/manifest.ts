import semver from 'semver';
import { z } from 'zod';
import { routePrefixProblem } from './route-prefix.js';

const PLUGIN_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;
const NETWORK_TARGET = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i;

const pluginId = z
  .string()
  .regex(PLUGIN_ID, 'must be kebab-case: lowercase letters and digits separated by single hyphens (e.g. "claims-bhyt")')
  .max(64, 'must be at most 64 characters');
const version = z.string().refine((v) => semver.valid(v) !== null, 'must be a semver version such as "1.2.3"');
const range = z.string().refine((r) => semver.validRange(r) !== null, 'must be a semver range such as "^1.2.0"');

/**
 * What a plugin may do, declared up front. Recorded by the kernel; enforced by the store (resource types),
 * the server (routes) and the network layer.
 */
export interface Capabilities {
  /** FHIR resource types the plugin reads and writes through the store. */
  readonly resources: { readonly read: readonly string[]; readonly write: readonly string[] };
  /**
   * HTTP route prefixes the plugin mounts (`/claims-bhyt`): literal paths of `/`-separated segments. Each is
   * the plugin's own: pre-flight refuses two plugins declaring the same prefix, or one within another's
   * (the server declares those it keeps, `/fhir` and `/admin` among them).
   */
  readonly routes: readonly string[];
  /** Hosts (optionally with a port) the plugin may open connections to. */
  readonly network: readonly string[];
}

/** Capabilities as a plugin author writes them: every field optional, empty by default. */
export interface CapabilitiesInput {
  resources?: { read?: string[] | undefined; write?: string[] | undefined } | undefined;
  routes?: string[] | undefined;
  network?: string[] | undefined;
}

const resourceTypes = z.array(z.string().regex(RESOURCE_TYPE, 'must be a FHIR resource type name such as "Patient"'));

const capabilitiesSchema = z
  .object({
    resources: z
      .object({ read: resourceTypes.default([]), write: resourceTypes.default([]) })
      .strict()
      .prefault({}),
    routes: z
      .array(
        z.string().superRefine((prefix, ctx) => {
          const problem = routePrefixProblem(prefix);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .default([]),
    network: z.array(z.string().regex(NETWORK_TARGET, 'must be a host name with an optional port')).default([]),
  })
  .strict() satisfies z.ZodType<Capabilities, CapabilitiesInput>;

/** Validates the static part of a plugin definition. */
export const manifestSchema = z
  .object({
    id: pluginId,
    version,
    kernel: range,
    description: z.string().optional(),
    dependencies: z.record(pluginId, range).default({}),
    optionalDependencies: z.record(pluginId, range).default({}),
    capabilities: capabilitiesSchema.prefault({}),
  })
  .strict();

/**
 * The serialisable description of a plugin: everything the host (or a registry, or a tool) can know
 * without running any of the plugin's code.
 */
export interface PluginManifest {
  readonly id: string;
  readonly version: string;
  /** The kernel versions the plugin works with (a semver range). */
  readonly kernel: string;
  readonly description?: string;
  /** Required plugins and the versions accepted. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** Plugins used when present, and the versions accepted when they are. */
  readonly optionalDependencies: Readonly<Record<string, string>>;
  readonly capabilities: Capabilities;
  /** JSON Schema of the plugin's configuration, when it has one. */
  readonly config?: Readonly<Record<string, unknown>>;
}
