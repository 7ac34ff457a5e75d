import type { Host } from '@mekong/kernel';

const started = new Set<Host>();

/** Remembers a host to stop after the test file. */
export function trackHost(host: Host): void {
  started.add(host);
}

/** Forgets a host stopped by its test. */
export function untrackHost(host: Host): void {
  started.delete(host);
}

/**
 * Stops every host that {@link startTestHost} started and that is still running. Registered as an after-all
 * hook when a test runner provides one (vitest, jest, mocha, `node --test`); under anything else, call it
 * yourself when the tests are done.
 */
export async function stopTestHosts(): Promise<void> {
  const hosts = [...started];
  started.clear();
  await Promise.all(hosts.map((host) => host.stop()));
}

type Hook = (fn: () => Promise<void>) => void;

/**
 * Registers {@link stopTestHosts} as an after-all hook of the runner that loaded this module, found without
 * importing any runner up front (importing vitest outside vitest throws). Returns the runner's name, or
 * undefined when none was found.
 */
export async function registerCleanup(): Promise<string | undefined> {
  if (process.env.VITEST) {
    try {
      (await import('vitest')).afterAll(stopTestHosts);
      return 'vitest';
    } catch {
      // VITEST is inherited by processes a test spawns, where vitest's hooks throw: try the others.
    }
  }
  const globals = globalThis as { afterAll?: unknown; after?: unknown };
  if (typeof globals.afterAll === 'function') {
    (globals.afterAll as Hook)(stopTestHosts); // jest, jasmine, bun, vitest with globals
    return 'afterAll';
  }
  if (typeof globals.after === 'function') {
    (globals.after as Hook)(stopTestHosts); // mocha
    return 'after';
  }
  if (process.env.NODE_TEST_CONTEXT !== undefined || process.execArgv.includes('--test')) {
    (await import('node:test')).after(stopTestHosts);
    return 'node:test';
  }
  return undefined;
}
