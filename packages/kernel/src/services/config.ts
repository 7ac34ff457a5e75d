import type { KernelConfig } from '../host/host-config.js';

/** Read access to the host's validated configuration. */
export interface ConfigService {
  /** The kernel section, with defaults applied. */
  readonly kernel: KernelConfig;
  /**
   * A value by dotted path (`server.port`), or `undefined`. Plugins receive their own section typed in their
   * init context; this is for core services that own a top-level section.
   */
  get(path: string): unknown;
}

/** Builds the config service over a validated config object. */
export function createConfigService(kernel: KernelConfig, values: Readonly<Record<string, unknown>>): ConfigService {
  return {
    kernel,
    get(path) {
      let node: unknown = values;
      for (const key of path.split('.')) {
        if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
        node = (node as Record<string, unknown>)[key];
      }
      return node;
    },
  };
}
