export type { BootReport, PluginBootReport, PluginStatus, PluginStopReport, StopReport } from './boot-report.js';
export { formatBootReport } from './boot-report.js';
export type { CheckResult, Host, HostOptions, PluginOverview } from './create-host.js';
export { createHost } from './create-host.js';
export type { BootFailurePolicy, HostConfig, KernelConfig } from './host-config.js';
export { kernelConfigSchema } from './host-config.js';
