import type { BootReport } from '../host/boot-report.js';
import { MekongError } from './mekong-error.js';
import { formatProblems, type PreflightProblem } from './preflight-problem.js';

/** A plugin definition is malformed (bad id, version or range). Thrown by `definePlugin`. */
export class PluginDefinitionError extends MekongError {
  constructor(pluginId: string, issues: readonly string[]) {
    super({
      code: 'PLUGIN_DEFINITION_INVALID',
      pluginId,
      message: `invalid plugin definition:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
      hint: 'fix the fields listed above in the definePlugin({...}) call',
    });
  }
}

/** Pre-flight found problems; nothing was initialised. `problems` lists every one of them. */
export class PreflightError extends MekongError {
  readonly problems: readonly PreflightProblem[];

  constructor(problems: readonly PreflightProblem[]) {
    super({
      code: 'PREFLIGHT_FAILED',
      message: `pre-flight found ${problems.length} problem(s); no plugin was initialised:\n${formatProblems(problems)}`,
      hint: 'fix every problem listed, then start again; `host.check()` reports them without starting',
    });
    this.problems = problems;
  }
}

/** A plugin failed while booting and its failure policy was `abort`; the host stopped what it had started. */
export class HostBootError extends MekongError {
  readonly report: BootReport;

  constructor(pluginId: string, report: BootReport, cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    // A plugin's own MekongError already names it: say its id once.
    const own = `[${pluginId}] `;
    super({
      code: 'HOST_BOOT_ABORTED',
      pluginId,
      message: `boot aborted: ${text.startsWith(own) ? text.slice(own.length) : text}`,
      // The failure's own hint, when it has one, says more than this one (e.g. which process holds a database).
      hint:
        typeof (cause as { hint?: unknown } | undefined)?.hint === 'string'
          ? (cause as { hint: string }).hint
          : `fix the plugin, or set kernel.plugins.${pluginId}.onPluginBootFailure to 'continue' to run without it`,
      cause,
    });
    this.report = report;
  }
}

/** A plugin's init, start hooks or a shutdown hook did not settle within its timeout. */
export class PluginTimeoutError extends MekongError {
  constructor(pluginId: string, phase: 'init' | 'start' | 'stop', timeoutMs: number) {
    super({
      code: `PLUGIN_${phase.toUpperCase()}_TIMEOUT`,
      pluginId,
      message: `${phase} did not finish within ${timeoutMs} ms`,
      hint: `make it faster (move long work to a start hook or the scheduler), or raise kernel.plugins.${pluginId}.${phase}TimeoutMs`,
    });
  }
}

/** The host was used in a way its state does not allow (for example `add()` after `start()`). */
export class HostStateError extends MekongError {
  constructor(message: string, hint: string) {
    super({ code: 'HOST_STATE', message, hint });
  }
}

/** A service was asked of the host that it does not have, or has not created yet. */
export class ServiceUnavailableError extends MekongError {
  constructor(serviceId: string, reason: string, hint: string) {
    super({ code: 'SERVICE_UNAVAILABLE', message: `service '${serviceId}' is not available: ${reason}`, hint });
  }
}
