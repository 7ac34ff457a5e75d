import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectPostgres } from '@mekong/store';
import { afterAll, describe, expect, it } from 'vitest';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.js';

// `mekong start` on a PostgreSQL cluster of the test's own while its backends are killed, the cluster restarted,
// and stopped for a while: the process stays up, answers 2xx or 503 with an OperationOutcome, says it is not ready
// while the database is away, recovers by itself, and every create it acknowledged is there afterwards.

const bin = fileURLToPath(new URL('../../bin/mekong.js', import.meta.url));
const config = fileURLToPath(new URL('../fixtures/outage.config.ts', import.meta.url));

interface Answer {
  readonly phase: string;
  readonly request: string;
  /** 0: no HTTP answer at all (the process is gone or refused the connection). */
  readonly status: number;
  readonly resourceType?: string;
  readonly retryAfter?: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a database outage under load (mekong start on a private PostgreSQL cluster)', () => {
  let cluster: PrivatePostgres | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await cluster?.remove();
  });

  it('never exits, answers 2xx or 503, reports readiness, recovers by itself and loses no acknowledged create', async () => {
    cluster = await startPrivatePostgres();
    const key = `mk_${randomBytes(32).toString('base64url')}`;
    child = spawn(process.execPath, [bin, '--config', config, 'start'], {
      env: { ...process.env, DATABASE_URL: cluster.url, MEKONG_BOOTSTRAP_API_KEY: key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let exit: string | undefined;
    child.on('exit', (code, signal) => {
      exit = `mekong start exited with code ${code} (signal ${signal}), after printing:\n${output.slice(-3000)}`;
    });
    await expect.poll(() => exit ?? output, { timeout: 60_000, interval: 100 }).toContain('Mekong is running');
    const base = /FHIR R4 API\s+(http:\/\/127\.0\.0\.1:\d+)\/fhir\/R4\/metadata/.exec(output)?.[1] as string;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/fhir+json' };

    let phase = 'up';
    const answers: Answer[] = [];
    const created: string[] = [];
    const call = async (request: string, init: RequestInit = {}): Promise<Answer & { id?: string }> => {
      const [method, path] = request.split(' ') as [string, string];
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers,
          ...init,
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await response.json().catch(() => ({}))) as { resourceType?: string; id?: string };
        const answer = {
          phase,
          request,
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          ...(body.resourceType ? { resourceType: body.resourceType } : {}),
        };
        answers.push(answer);
        return { ...answer, ...(body.id ? { id: body.id } : {}) };
      } catch {
        const answer = { phase, request, status: 0 };
        answers.push(answer);
        return answer;
      }
    };

    // Bounded load: 4 clients, each a create then a read of an acknowledged create, until told to stop.
    let stopping = false;
    const client = async (n: number) => {
      for (let i = 0; i < 5000 && !stopping; i++) {
        const answer = await call('POST /fhir/R4/Patient', {
          body: JSON.stringify({ resourceType: 'Patient', name: [{ family: `Tran ${n}-${i}` }] }),
        });
        if (answer.status === 201 && answer.id) created.push(answer.id);
        const known = created[Math.floor(Math.random() * created.length)];
        if (known) await call(`GET /fhir/R4/Patient/${known}`);
        if (answer.status !== 201) await sleep(50);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));
    // Ten creates acknowledged since answer number `since` (or the process's end).
    const succeededSince = async (since: number) =>
      expect
        .poll(() => exit ?? answers.slice(since).filter((a) => a.status === 201).length >= 10, {
          timeout: 15_000,
          interval: 50,
        })
        .toBe(true);
    const readiness = async () => (await fetch(`${base}/readyz`).catch(() => ({ status: 0 }))).status;

    await succeededSince(0);

    // (a) Every connection of the server killed from outside.
    phase = 'backends terminated';
    const admin = connectPostgres({ connectionString: cluster.url, max: 1 });
    const { rowCount } = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    await admin.close();
    expect(rowCount).toBeGreaterThan(0);
    await succeededSince(answers.length);

    // (b) A fast restart.
    phase = 'restarted';
    await cluster.restart();
    await succeededSince(answers.length);

    // (c) Down for a while, then back.
    phase = 'stopped';
    await cluster.stop();
    await sleep(1500);
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { reasons: string[] }).reasons).toEqual([
      expect.stringMatching(/^the database \(postgres\) is not reachable: /),
    ]);
    phase = 'started again';
    await cluster.start();
    await expect.poll(readiness, { timeout: 15_000, interval: 100 }).toBe(200);
    await succeededSince(answers.length);

    stopping = true;
    await load;
    expect(exit).toBeUndefined();

    // Every answer was a success or a 503 OperationOutcome with Retry-After; never a 500, never silence.
    const unexpected = answers.filter(
      (a) =>
        !(a.status >= 200 && a.status < 300) &&
        !(a.status === 503 && a.resourceType === 'OperationOutcome' && a.retryAfter),
    );
    expect(unexpected).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);

    // Every create the server acknowledged is there.
    const missing: string[] = [];
    for (const id of created) {
      const response = await fetch(`${base}/fhir/R4/Patient/${id}`, { headers });
      if (response.status !== 200) missing.push(`${id}: ${response.status}`);
    }
    expect(missing).toEqual([]);

    // Logged once per outage (three here), not once per connection or per request.
    const outages = output.split('\n').filter((line) => line.includes('lost the connection to PostgreSQL')).length;
    expect(outages).toBeGreaterThanOrEqual(1);
    expect(outages).toBeLessThanOrEqual(3);
    expect(output).not.toContain('request failed');
  }, 90_000);
});
