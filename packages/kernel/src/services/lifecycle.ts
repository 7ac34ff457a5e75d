/** A hook run at start or shutdown. */
export type LifecycleHook = () => void | Promise<void>;

/** Start and shutdown hooks of one plugin (or, for `rootLifecycle`, of the root services). */
export interface LifecycleService {
  /** Runs after every plugin has initialised, in dependency order. Start long-running work here. */
  addStartHook(hook: LifecycleHook, options?: { label?: string }): void;
  /** Runs at stop, in reverse dependency order, each hook bounded by the stop timeout. */
  addShutdownHook(hook: LifecycleHook, options?: { label?: string }): void;
}

interface LabelledHook {
  readonly hook: LifecycleHook;
  readonly label: string;
}

/** The hooks one owner registered; the host runs them. */
export class LifecycleHooks implements LifecycleService {
  readonly startHooks: LabelledHook[] = [];
  readonly shutdownHooks: LabelledHook[] = [];

  addStartHook(hook: LifecycleHook, options?: { label?: string }): void {
    this.startHooks.push({ hook, label: options?.label ?? `start hook ${this.startHooks.length + 1}` });
  }

  addShutdownHook(hook: LifecycleHook, options?: { label?: string }): void {
    this.shutdownHooks.push({ hook, label: options?.label ?? `shutdown hook ${this.shutdownHooks.length + 1}` });
  }
}
