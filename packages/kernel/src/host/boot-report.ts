import type { BootFailurePolicy } from './host-config.js';

/** What became of one plugin. */
export type PluginStatus = 'started' | 'disabled' | 'failed';

/** One plugin's line in the boot report. */
export interface PluginBootReport {
  readonly id: string;
  readonly version: string;
  readonly status: PluginStatus;
  /** Why it failed or was disabled. */
  readonly reason?: string;
  /** The error code, when it failed with a Mekong error. */
  readonly errorCode?: string;
  readonly onPluginBootFailure: BootFailurePolicy;
  /** Installed plugins it depends on (required and optional). */
  readonly dependsOn: readonly string[];
  /** Init time, including creating its contributions and services. */
  readonly initMs?: number;
  readonly startMs?: number;
}

/** The outcome of `host.start()`: data for tools and tests, and printable with {@link formatBootReport}. */
export interface BootReport {
  /** `started` when the host is running (possibly without some plugins under `continue`). */
  readonly status: 'started' | 'aborted';
  readonly kernelVersion: string;
  readonly startedAt: string;
  readonly totalMs: number;
  /** In dependency order. */
  readonly plugins: readonly PluginBootReport[];
}

/** One plugin's line in the stop report. */
export interface PluginStopReport {
  readonly id: string;
  readonly stopMs: number;
  /** Labels of shutdown hooks that did not finish within the stop timeout. */
  readonly timedOut: readonly string[];
  /** Shutdown hooks that threw, with their messages. */
  readonly errors: readonly string[];
}

/** The outcome of `host.stop()`: plugins in the order they were stopped (dependents first). */
export interface StopReport {
  readonly totalMs: number;
  readonly plugins: readonly PluginStopReport[];
}

const ms = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(1)} ms`);

/**
 * Renders a boot report as a tree: the host, then each plugin in dependency order with its status,
 * timings and what it depends on.
 */
export function formatBootReport(report: BootReport): string {
  const lines = [
    `mekong kernel ${report.kernelVersion}: ${report.status} in ${ms(report.totalMs)} (${report.plugins.length} plugin(s))`,
  ];
  report.plugins.forEach((plugin, index) => {
    const last = index === report.plugins.length - 1;
    const branch = last ? '└─' : '├─';
    const stem = last ? '   ' : '│  ';
    lines.push(
      `${branch} ${plugin.id}@${plugin.version}  ${plugin.status}  init ${ms(plugin.initMs)}  start ${ms(plugin.startMs)}`,
    );
    if (plugin.dependsOn.length > 0) lines.push(`${stem}  depends on ${plugin.dependsOn.join(', ')}`);
    if (plugin.reason) lines.push(`${stem}  ${plugin.errorCode ? `${plugin.errorCode}: ` : ''}${plugin.reason}`);
  });
  return lines.join('\n');
}
