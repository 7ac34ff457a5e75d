import { LifecycleHooks } from '../services/lifecycle.js';
import type { PlannedPlugin } from './boot-plan.js';
import type { PluginStatus } from './boot-report.js';

/** The host's mutable record of one plugin during boot and stop. */
export class PluginRuntime {
  status: PluginStatus | 'pending' = 'pending';
  reason: string | undefined;
  errorCode: string | undefined;
  initMs: number | undefined;
  startMs: number | undefined;
  /** Init was attempted: its shutdown hooks must run at stop. */
  touched = false;
  readonly lifecycle = new LifecycleHooks();

  constructor(readonly planned: PlannedPlugin) {}

  get available(): boolean {
    return this.status !== 'failed' && this.status !== 'disabled';
  }

  fail(error: unknown): void {
    this.status = 'failed';
    this.reason = error instanceof Error ? error.message : String(error);
    this.errorCode =
      (error as { code?: unknown } | null)?.code === undefined ? undefined : String((error as { code: unknown }).code);
  }

  disable(reason: string): void {
    this.status = 'disabled';
    this.reason = reason;
  }
}
