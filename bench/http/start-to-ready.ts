import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Announcement, nodeArgs, parseAnnouncement } from './child-protocol.js';

/** One start of a Mekong server process, timed from spawn until `/readyz` answers 200. */
export interface StartTiming {
  readonly readyMs: number;
  /** Node, tsx and the import graph, and `host.start()`, as the process measured them. */
  readonly importedMs: number;
  readonly hostStartMs: number;
}

const POLL_MS = 5;
const GIVE_UP_MS = 60_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('start-to-ready: could not find a free port');
  return address.port;
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * How the child runs: `source`, the workspace's TypeScript through tsx (`--conditions=mekong-source --import
 * tsx`); `built`, plain node on the packages' `dist/` (after `pnpm build`), as an installed deployment runs.
 */
export type StartMode = 'source' | 'built';

/**
 * Spawns `node <entry>` with `env` and a free PORT, polls `/readyz` every few milliseconds, and stops the
 * process once it answers 200.
 */
export async function startToReady(
  entry: string,
  env: Record<string, string>,
  mode: StartMode = 'source',
): Promise<StartTiming> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, mode === 'source' ? nodeArgs(entry) : [entry], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let announced: Announcement | undefined;
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    announced = parseAnnouncement(line) ?? announced;
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (!(await ready(`http://127.0.0.1:${port}/readyz`))) {
      if (child.exitCode !== null) throw new Error(`${entry} exited with code ${child.exitCode}:\n${stderr}`);
      if (performance.now() - t0 > GIVE_UP_MS)
        throw new Error(`${entry} was not ready within ${GIVE_UP_MS} ms:\n${stderr}`);
      await sleep(POLL_MS);
    }
    const readyMs = performance.now() - t0;
    // The announcement follows host.start() at once; /readyz may answer a moment before it is read.
    for (let waited = 0; !announced && waited < 5000; waited += POLL_MS) await sleep(POLL_MS);
    return {
      readyMs,
      importedMs: announced?.importedMs ?? Number.NaN,
      hostStartMs: announced?.hostStartMs ?? Number.NaN,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}
