import { readFileSync } from 'node:fs';
import pg from 'pg';

// CPU time per request, of the server process and of its PostgreSQL backends: on a shared machine the
// request rate moves with other people's load, CPU time per request much less. Linux only (/proc); NaN
// elsewhere.
const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** CPU milliseconds a server process and its database backends used between `start()` and `stop()`. */
export interface CpuMeter {
  start(): Promise<void>;
  stop(): Promise<{ serverMs: number; databaseMs: number }>;
}

/**
 * Meters the process `pid` and the PostgreSQL backends whose `application_name` is `application` (found
 * through `pg_stat_activity` on `serverUrl`).
 */
export function cpuMeter(serverUrl: string, pid: number, application: string): CpuMeter {
  let before = new Map<number, number>();
  let server = 0;
  const backends = async (): Promise<number[]> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where application_name = $1',
        [application],
      );
      return rows.map((row) => row.pid);
    } finally {
      await client.end();
    }
  };
  return {
    async start() {
      before = new Map((await backends()).map((p) => [p, cpuMsOf(p) ?? 0]));
      server = cpuMsOf(pid) ?? Number.NaN;
    },
    async stop() {
      const serverMs = (cpuMsOf(pid) ?? Number.NaN) - server;
      let databaseMs = 0;
      for (const p of await backends()) databaseMs += (cpuMsOf(p) ?? 0) - (before.get(p) ?? 0);
      return { serverMs, databaseMs: process.platform === 'linux' ? databaseMs : Number.NaN };
    },
  };
}
