import { AsyncLocalStorage } from 'node:async_hooks';
import type { DatabaseUnavailableError } from './database-unavailable.js';

const scope = new AsyncLocalStorage<AbortSignal | undefined>();

/**
 * Runs `work` so that the PostgreSQL statements it starts are cancelled when `signal` aborts (a request that ran
 * out of time): a running statement gets a cancel (`pg_cancel_backend`) and its connection goes back to the
 * pool; later statements of the work fail at once with a {@link DatabaseUnavailableError} instead of starting.
 * The embedded PGlite runs one statement at a time in this process and cannot cancel one: there it changes
 * nothing.
 */
export function cancelStatementsOn<T>(signal: AbortSignal, work: () => T): T {
  return scope.run(signal, work);
}

/** Runs `work` outside any caller's cancellation: shared work (a group commit) that serves several callers. */
export function sharedStatements<T>(work: () => T): T {
  return scope.run(undefined, work);
}

/** The signal that cancels the statements started now, if any. */
export function statementSignal(): AbortSignal | undefined {
  return scope.getStore();
}
