import { describe, expect, it } from 'vitest';
import { backends, isolatedDatabase } from './backends.js';

describe.each(backends)('prepared statements on %s', (backend) => {
  it('give the same answers as plain ones, on every connection, in transactions, and after the table changes', async () => {
    const { db, dispose } = await isolatedDatabase(backend);
    try {
      await db.exec('create table item (id int primary key, name text not null)');
      const insert = 'insert into item (id, name) values ($1, $2)';
      // More concurrent calls than the pool has connections: each connection prepares the text once.
      await Promise.all(Array.from({ length: 40 }, (_, i) => db.query(insert, [i, `n${i}`], { prepared: true })));
      const byId = 'select name from item where id = $1';
      const names = await Promise.all(
        Array.from({ length: 40 }, (_, i) => db.query<{ name: string }>(byId, [i], { prepared: true })),
      );
      expect(names.map((r) => r.rows[0]?.name)).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`));

      await db.transaction(async (tx) => {
        await tx.query(insert, [100, 'in a transaction'], { prepared: true });
        expect((await tx.query<{ name: string }>(byId, [100], { prepared: true })).rows[0]?.name).toBe(
          'in a transaction',
        );
      });

      // A rollback undoes what a prepared statement wrote, as any other.
      await expect(
        db.transaction(async (tx) => {
          await tx.query(insert, [101, 'rolled back'], { prepared: true });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await db.query(byId, [101], { prepared: true })).rows).toEqual([]);

      // A migration that changes the table under a prepared statement: it is planned again, not broken.
      await db.exec(
        "alter table item alter column name type varchar(50); alter table item add column note text default 'x'",
      );
      const all = await Promise.all(
        Array.from({ length: 20 }, (_, i) => db.query<{ name: string }>(byId, [i], { prepared: true })),
      );
      expect(all.map((r) => r.rows[0]?.name)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));

      // Bad input is refused as with a plain statement, and the connection stays usable.
      await expect(db.query(insert, [1, 'duplicate'], { prepared: true })).rejects.toThrow(/duplicate key/);
      await expect(db.query(insert, ['not a number', 'x'], { prepared: true })).rejects.toThrow(/integer/);
      expect((await db.query(byId, [1], { prepared: true })).rows).toEqual([{ name: 'n1' }]);
    } finally {
      await dispose();
    }
  });
});
