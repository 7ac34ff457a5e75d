import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, openPglite, ResourceStore, runMigrations, storeMigrations } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'mekong-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const holder = fileURLToPath(new URL('./fixtures/hold-data-dir.ts', import.meta.url));

/** How a second open of `dataDir` fails, and how long it took to. */
async function refusal(dataDir: string): Promise<{ error: DataDirInUseError; ms: number }> {
  const started = performance.now();
  const error = await openPglite({ dataDir }).then(
    async (db) => {
      await db.close();
      throw new Error(`a second open of ${dataDir} succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataDirInUseError);
  return { error: error as DataDirInUseError, ms: performance.now() - started };
}

describe('one process owns a PGlite data directory', () => {
  it('a second process is refused at once, naming the holder; after SIGKILL of the holder an open succeeds and finds its write', async () => {
    const dataDir = join(root, 'two-processes');
    const child = spawn(process.execPath, ['--conditions=mekong-source', '--import', 'tsx', holder, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    try {
      const written = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const ready = /^ready (\S+)\n/.exec(out);
          if (ready) resolve(ready[1] as string);
        });
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.on('exit', () => reject(new Error(`the holder exited early: ${err}`)));
      });

      const { error, ms } = await refusal(dataDir);
      expect(ms).toBeLessThan(2000);
      expect(error.code).toBe('DATA_DIR_IN_USE');
      expect(error.owner?.pid).toBe(child.pid);
      expect(error.message).toContain(`in use by process ${child.pid} (`);
      expect(error.message).toContain('hold-data-dir.ts');
      expect(error.hint).toContain(`stop process ${child.pid}`);
      expect(error.hint).toContain('POST /admin/api-keys');

      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const db = await openPglite({ dataDir });
      try {
        await runMigrations(db, [storeMigrations]);
        expect((await new ResourceStore(db).read('Patient', written)).name?.[0]?.family).toBe('Lê');
      } finally {
        await db.close();
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('a second open in the same process is refused; after close the directory opens again', async () => {
    const dataDir = join(root, 'one-process');
    const first = await openPglite({ dataDir });
    try {
      const { error, ms } = await refusal(dataDir);
      expect(ms).toBeLessThan(2000);
      expect(error.message).toContain(`in use by this process (pid ${process.pid})`);
      expect(error.hint).toContain('once per process');
      // The refusal left the holder's database working.
      expect((await first.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await first.close();
    }
    const again = await openPglite({ dataDir });
    await again.close();
  }, 60_000);

  it('databases in memory are not locked: several open at once', async () => {
    const [a, b] = await Promise.all([openPglite(), openPglite()]);
    await Promise.all([a.close(), b.close()]);
  }, 60_000);
});
