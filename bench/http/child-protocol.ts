import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// Servers run in child processes so that autocannon does not share their event loop; a child announces
// itself with one line on stdout.
const PREFIX = 'MEKONG_BENCH ';

/** What a server child announces once it listens. */
export interface Announcement {
  readonly url: string;
  /** An administrator API key (the Mekong server only). */
  readonly key?: string;
  /** Milliseconds from process start to the first line of the entry module (Node, tsx, imports). */
  readonly importedMs?: number;
  /** Milliseconds `host.start()` took (pre-flight, init with migrations, start hooks). */
  readonly hostStartMs?: number;
}

/** Called by a child: tells the parent where it listens. */
export function announce(announcement: Announcement): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(announcement)}\n`);
}

/** The announcement in a line of a child's stdout, if the line is one. */
export function parseAnnouncement(line: string): Announcement | undefined {
  return line.startsWith(PREFIX) ? (JSON.parse(line.slice(PREFIX.length)) as Announcement) : undefined;
}

/** A running server child. */
export interface ServerChild extends Announcement {
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/** The node arguments that run a TypeScript entry on the workspace's sources. */
export const nodeArgs = (entry: string): string[] => ['--conditions=mekong-source', '--import', 'tsx', entry];

/** Spawns `node <entry>` and resolves with its announcement; rejects with its stderr if it exits first. */
export function spawnServer(entry: string, env: Record<string, string>): Promise<ServerChild> {
  const child = spawn(process.execPath, nodeArgs(entry), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', (code) =>
      reject(new Error(`${entry} exited with code ${code} before it listened:\n${stderr.slice(-4000)}`)),
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const announcement = parseAnnouncement(line);
      if (!announcement) return;
      resolve({
        ...announcement,
        child,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
