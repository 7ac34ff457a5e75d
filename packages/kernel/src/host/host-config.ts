import { z } from 'zod';

const timeoutMs = z.number().int().positive().max(3_600_000);
/** What the host does when a plugin fails to boot: stop everything (`abort`), or run without it (`continue`). */
export type BootFailurePolicy = 'abort' | 'continue';

const failurePolicy = z.enum(['abort', 'continue']) satisfies z.ZodType<BootFailurePolicy>;

/** The `kernel` section of the host configuration. */
export const kernelConfigSchema = z
  .object({
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Default failure policy; override per plugin in `plugins`. */
    onPluginBootFailure: failurePolicy.default('abort'),
    initTimeoutMs: timeoutMs.default(30_000),
    startTimeoutMs: timeoutMs.default(30_000),
    /** Bound on each shutdown hook. */
    stopTimeoutMs: timeoutMs.default(10_000),
    events: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(5),
        backoffMs: z.number().int().min(0).max(600_000).default(200),
      })
      .strict()
      .prefault({}),
    /** Per-plugin boot settings, by plugin id. */
    plugins: z
      .record(
        z.string(),
        z
          .object({
            onPluginBootFailure: failurePolicy.optional(),
            initTimeoutMs: timeoutMs.optional(),
            startTimeoutMs: timeoutMs.optional(),
            stopTimeoutMs: timeoutMs.optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

/** The validated `kernel` section. */
export type KernelConfig = z.output<typeof kernelConfigSchema>;

/**
 * The host configuration: `kernel` for the host itself, `plugins.<id>` for each plugin (validated against
 * the plugin's schema), and any other top-level section for core services.
 */
export interface HostConfig {
  kernel?: z.input<typeof kernelConfigSchema>;
  plugins?: Record<string, unknown>;
  [section: string]: unknown;
}

/** The boot settings that apply to one plugin. */
export interface PluginBootSettings {
  readonly onPluginBootFailure: BootFailurePolicy;
  readonly initTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

/** Resolves the per-plugin settings over the kernel defaults. */
export function bootSettingsFor(kernel: KernelConfig, pluginId: string): PluginBootSettings {
  const own = kernel.plugins[pluginId] ?? {};
  return {
    onPluginBootFailure: own.onPluginBootFailure ?? kernel.onPluginBootFailure,
    initTimeoutMs: own.initTimeoutMs ?? kernel.initTimeoutMs,
    startTimeoutMs: own.startTimeoutMs ?? kernel.startTimeoutMs,
    stopTimeoutMs: own.stopTimeoutMs ?? kernel.stopTimeoutMs,
  };
}
