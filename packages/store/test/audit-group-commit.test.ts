import { describe, expect, it } from 'vitest';
import { AuditLog, runMigrations, type SqlClient, storeMigrations } from '../src/index.js';
import { nurse } from './access-fixtures.js';
import { backends, isolatedDatabase } from './backends.js';

/** The database, counting the audit inserts that reach it. */
function counting(db: SqlClient) {
  const counter = { inserts: 0 };
  const client: SqlClient = {
    backend: db.backend,
    query: (text, params) => {
      if (text.startsWith('insert into mekong_audit')) counter.inserts++;
      return db.query(text, params);
    },
    exec: (script) => db.exec(script),
    transaction: (work) => db.transaction(work),
    close: () => db.close(),
  };
  return { client, counter };
}

const entry = (i: number) => ({
  interaction: 'read' as const,
  context: nurse,
  entity: `Patient/p-${i}`,
  patient: `Patient/p-${i}`,
  outcome: 'success' as const,
  recorded: new Date(Date.UTC(2026, 2, 1, 0, 0, i)),
});

describe.each(backends)('audit group commit on %s', (backend) => {
  it('commits each concurrent entry before its record resolves, in one statement for those that waited', async () => {
    const { db, dispose } = await isolatedDatabase(backend);
    try {
      await runMigrations(db, [storeMigrations]);
      const { client, counter } = counting(db);
      const audit = new AuditLog(client, { groupCommit: true });
      const visible: boolean[] = [];
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const event = await audit.record(entry(i));
          // Committed by the time the caller hears of it: a read that follows finds it.
          visible[i] = (await audit.read(event.id as string)).id === event.id;
        }),
      );
      expect(visible.filter(Boolean)).toHaveLength(50);
      // The first entry goes alone; the 49 recorded while it was in flight go together.
      expect(counter.inserts).toBe(2);
      const listed = await audit.list();
      expect(listed).toHaveLength(50);
      expect(new Set(listed.map((event) => event.entity?.[0]?.what?.reference)).size).toBe(50);
    } finally {
      await dispose();
    }
  });

  it('writes entries recorded inside a transaction on the transaction, at once', async () => {
    const { db, dispose } = await isolatedDatabase(backend);
    try {
      await runMigrations(db, [storeMigrations]);
      const audit = new AuditLog(db, { groupCommit: true });
      await expect(
        db.transaction(async (tx) => {
          await audit.record(entry(1), tx);
          throw new Error('the write failed');
        }),
      ).rejects.toThrow('the write failed');
      expect(await audit.list()).toEqual([]);
    } finally {
      await dispose();
    }
  });

  it('rejects every entry of a group whose insert fails, and goes on with the next group', async () => {
    const { db, dispose } = await isolatedDatabase(backend);
    try {
      // No migrations: there is no audit table to write to.
      const audit = new AuditLog(db, { groupCommit: true });
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => audit.record(entry(i))));
      expect(results.every((result) => result.status === 'rejected')).toBe(true);
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/mekong_audit/);
      await runMigrations(db, [storeMigrations]);
      await audit.record(entry(9));
      expect(await audit.list()).toHaveLength(1);
    } finally {
      await dispose();
    }
  });
});
