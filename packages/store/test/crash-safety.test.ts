import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresSchema } from '@mekong/testing';
import { describe, expect, it } from 'vitest';
import { connectPostgres, openPglite, ResourceStore, type SqlClient } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/write-load.ts', import.meta.url));

/**
 * Runs the write load in a child, kills it with SIGKILL after `acks` acknowledged writes, returns their ids and
 * the child's `ready` line.
 */
async function killMidLoad(
  backend: string,
  target: string,
  acks: number,
  ...rest: string[]
): Promise<{ ids: string[]; ready: string }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=mekong-source', '--import', 'tsx', fixture, backend, target, ...rest],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acknowledged: string[] = [];
  let ready = '';
  let buffer = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready')) ready = line;
        else acknowledged.push(line);
      }
      if (acknowledged.length >= acks) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the write load exited early: ${errors}`)));
  });
  expect(await exited).toBe('SIGKILL');
  return { ids: acknowledged, ready };
}

async function expectAllReadable(db: SqlClient, ids: readonly string[]) {
  const store = new ResourceStore(db);
  const missing: string[] = [];
  for (const id of ids) await store.read('Patient', id).catch(() => missing.push(id));
  expect(missing).toEqual([]);
}

describe('crash safety: every acknowledged write survives SIGKILL of the writer', () => {
  it('on PGlite on disk, in a data directory copied from the template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mekong-crash-'));
    const [dataDir, templateCacheDir] = [join(dir, 'data'), join(dir, 'templates')];
    try {
      const { ids, ready } = await killMidLoad('pglite', dataDir, 150, templateCacheDir);
      expect(ready).toBe('ready template');
      const db = await openPglite({ dataDir, templateCacheDir });
      try {
        await expectAllReadable(db, ids);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('on PostgreSQL', async () => {
    const schema = await createPostgresSchema('crash');
    const db = connectPostgres({ connectionString: schema.url, max: 2 });
    try {
      const { ids } = await killMidLoad('postgres', schema.url, 300);
      await expectAllReadable(db, ids);
    } finally {
      await db.close();
      await schema.drop();
    }
  }, 120_000);
});
