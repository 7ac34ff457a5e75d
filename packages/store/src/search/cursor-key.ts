import { randomBytes } from 'node:crypto';
import type { SqlClient } from '../sql/sql-client.js';

const NAME = 'search-cursor';

// Read once per client (a process's pool): the key never changes once written.
const keys = new WeakMap<SqlClient, Promise<Buffer>>();

/**
 * The AES-256 key of search cursors, kept in the database so that every server process on it seals and opens
 * the same cursors (a next link cut by one instance is followed on another). The first process to need it
 * writes a random one; a concurrent first writer's insert does nothing, and both read the one that won.
 */
export function cursorKey(db: SqlClient): Promise<Buffer> {
  let key = keys.get(db);
  if (!key) {
    key = readOrCreate(db);
    keys.set(db, key);
    key.catch(() => keys.delete(db));
  }
  return key;
}

async function readOrCreate(db: SqlClient): Promise<Buffer> {
  const read = async () => {
    const { rows } = await db.query<{ key: string }>(
      `select encode(key, 'hex') as key from mekong_key where name = $1`,
      [NAME],
    );
    return rows[0] ? Buffer.from(rows[0].key, 'hex') : undefined;
  };
  const found = await read();
  if (found) return found;
  await db.query(`insert into mekong_key (name, key) values ($1, decode($2, 'hex')) on conflict (name) do nothing`, [
    NAME,
    randomBytes(32).toString('hex'),
  ]);
  const written = await read();
  if (!written) throw new Error(`the ${NAME} key was written but cannot be read back from mekong_key`);
  return written;
}
