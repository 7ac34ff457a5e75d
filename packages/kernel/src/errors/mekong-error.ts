/**
 * Base class of every error the kernel throws. `code` is stable across releases and safe to match on;
 * `pluginId` names the plugin at fault when there is one; `hint` says what to do next.
 */
export class MekongError extends Error {
  /** Stable, machine-readable error code (for example `PLUGIN_INIT_TIMEOUT`). */
  readonly code: string;
  /** The plugin the error is about, when there is one. */
  readonly pluginId: string | undefined;
  /** What to do next. */
  readonly hint: string;

  constructor(options: { code: string; message: string; hint: string; pluginId?: string; cause?: unknown }) {
    super(options.pluginId ? `[${options.pluginId}] ${options.message}` : options.message, {
      cause: options.cause,
    });
    this.name = new.target.name;
    this.code = options.code;
    this.pluginId = options.pluginId;
    this.hint = options.hint;
  }
}
