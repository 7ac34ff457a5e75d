import type { Logger } from 'pino';
import { MekongError } from '../errors/mekong-error.js';
import type { LifecycleService } from './lifecycle.js';

/** A recurring task. */
export interface TaskDefinition {
  /** Unique within the plugin; used in logs and by `triggerTask`. */
  readonly id: string;
  /** Time between the end of one run and the start of the next. Runs never overlap. */
  readonly frequencyMs: number;
  /** Delay before the first run; defaults to `frequencyMs`. */
  readonly initialDelayMs?: number;
  /** The work. `signal` aborts when the host stops. */
  readonly fn: (signal: AbortSignal) => void | Promise<void>;
}

/**
 * Recurring background work of one plugin. Tasks start with the host's start hooks and stop with the
 * plugin's shutdown; a failing run is logged and the task runs again at its next time. In-process: with
 * several processes, each runs its own tasks (cross-process locking comes with the store).
 */
export interface SchedulerService {
  scheduleTask(task: TaskDefinition): void;
  /** Runs a task now (waiting for a run in progress first) and resolves when it finishes. */
  triggerTask(id: string): Promise<void>;
}

interface TaskState {
  readonly task: TaskDefinition;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
}

/** Creates the scheduler of one plugin, wired to its lifecycle. */
export function createScheduler(pluginId: string, lifecycle: LifecycleService, log: Logger): SchedulerService {
  const tasks = new Map<string, TaskState>();
  const abort = new AbortController();
  let started = false;

  const run = (state: TaskState): Promise<void> => {
    const previous = state.running ?? Promise.resolve();
    const current = previous.then(async () => {
      if (abort.signal.aborted) return;
      const startedAt = performance.now();
      try {
        await state.task.fn(abort.signal);
        log.debug({ task: state.task.id, ms: performance.now() - startedAt }, 'task finished');
      } catch (error) {
        log.error({ task: state.task.id, err: error }, 'task failed; it runs again at its next time');
      }
    });
    state.running = current;
    return current;
  };

  const arm = (state: TaskState, delay: number): void => {
    if (abort.signal.aborted) return;
    state.timer = setTimeout(() => {
      void run(state).then(() => arm(state, state.task.frequencyMs));
    }, delay);
  };

  lifecycle.addStartHook(
    () => {
      started = true;
      for (const state of tasks.values()) arm(state, state.task.initialDelayMs ?? state.task.frequencyMs);
    },
    { label: 'scheduler' },
  );
  lifecycle.addShutdownHook(
    async () => {
      abort.abort();
      for (const state of tasks.values()) clearTimeout(state.timer);
      await Promise.allSettled([...tasks.values()].map((s) => s.running));
    },
    { label: 'scheduler' },
  );

  return {
    scheduleTask(task) {
      if (tasks.has(task.id)) {
        throw new MekongError({
          code: 'TASK_DUPLICATE',
          pluginId,
          message: `task '${task.id}' is already scheduled`,
          hint: 'give each task of a plugin its own id',
        });
      }
      if (!(task.frequencyMs > 0)) {
        throw new MekongError({
          code: 'TASK_INVALID',
          pluginId,
          message: `task '${task.id}' has frequencyMs ${task.frequencyMs}`,
          hint: 'use a positive number of milliseconds',
        });
      }
      const state: TaskState = { task, timer: undefined, running: undefined };
      tasks.set(task.id, state);
      if (started) arm(state, task.initialDelayMs ?? task.frequencyMs);
    },
    triggerTask(id) {
      const state = tasks.get(id);
      if (!state) {
        return Promise.reject(
          new MekongError({
            code: 'TASK_UNKNOWN',
            pluginId,
            message: `no task '${id}' is scheduled`,
            hint: `scheduled tasks: ${[...tasks.keys()].join(', ') || 'none'}`,
          }),
        );
      }
      return run(state);
    },
  };
}
