import semver from 'semver';
import { z } from 'zod';

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
export const capabilitiesSchema = z
  .object({
    /** FHIR resource types the plugin reads and writes through the store. */
    resources: z
      .object({
        read: z
          .array(z.string().regex(RESOURCE_TYPE, 'must be a FHIR resource type name such as "Patient"'))
          .default([]),
        write: z
          .array(z.string().regex(RESOURCE_TYPE, 'must be a FHIR resource type name such as "Patient"'))
          .default([]),
      })
      .strict()
      .default({ read: [], write: [] }),
    /** HTTP route prefixes the plugin mounts, each starting with "/". */
    routes: z.array(z.string().startsWith('/', 'must start with "/"')).default([]),
    /** Hosts (optionally with a port) the plugin may open connections to. */
    network: z.array(z.string().regex(NETWORK_TARGET, 'must be a host name with an optional port')).default([]),
  })
  .strict();

/** Declared capabilities of a plugin, after defaults. */
export type Capabilities = z.output<typeof capabilitiesSchema>;
/** Capabilities as a plugin author writes them (every field optional). */
export type CapabilitiesInput = z.input<typeof capabilitiesSchema>;

/** Validates the static part of a plugin definition. */
export const manifestSchema = z
  .object({
    id: pluginId,
    version,
    kernel: range,
    description: z.string().optional(),
    dependencies: z.record(pluginId, range).default({}),
    optionalDependencies: z.record(pluginId, range).default({}),
    capabilities: capabilitiesSchema.default({ resources: { read: [], write: [] }, routes: [], network: [] }),
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
