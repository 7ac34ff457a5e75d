import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StoreError } from '../errors.js';

// One process owns a PGlite data directory: PGlite keeps the database's state in the process, so two processes
// on one directory each see only their own writes, and one side's acknowledged writes are gone after a restart.
//
// The owner holds an exclusive lock on a file in the directory, taken through fs-native-extensions (prebuilt
// binaries, no compiler needed): an open file description lock (F_OFD_SETLK) on Linux, flock on macOS and the
// BSDs, LockFileEx on Windows. The kernel releases it when the owner closes the file or dies in any way (SIGKILL
// included), so a stale lock never blocks a restart, and no clock or pid check decides whether it is stale. It
// is held by the open file, not by the process, so a second open in the same process is refused too; and it is
// seen by every process on the machine's kernel, containers that mount the directory included (a socket in the
// abstract namespace, the alternative without a native module, is visible only inside one network namespace,
// so two containers sharing a volume would not see each other). A network file system shares it only as far as
// its own locking does (NFS: through its lock manager).

/** The file in a data directory that its owner holds locked, and has written its pid and command into. */
export const LOCK_FILE = 'mekong.lock';

// The lock covers one byte far past the owner's text: Windows' locks are mandatory, and a lock over the text
// would stop a refused process from reading who holds it.
const LOCK_OFFSET = 1 << 20;

interface NativeLocks {
  tryLock(fd: number, offset: number, length: number): boolean;
}

/** Who holds a data directory, as its owner wrote itself into `mekong.lock` in it. */
export interface DataDirOwner {
  readonly pid: number;
  readonly command: string;
  /** When it took the directory (ISO 8601). */
  readonly since: string;
}

/** Another open of the same PGlite data directory holds it: nothing was opened. */
export class DataDirInUseError extends StoreError {
  constructor(
    /** The data directory that was asked for. */
    readonly dataDir: string,
    /** Who holds it, when its lock file says. */
    readonly owner: DataDirOwner | undefined,
  ) {
    const self = owner?.pid === process.pid;
    const who = owner ? `process ${owner.pid} (${owner.command})` : 'another process';
    super({
      code: 'DATA_DIR_IN_USE',
      status: 409,
      message:
        `the PGlite data directory ${dataDir} is in use by ${self ? `this process (pid ${owner.pid})` : who}` +
        `${owner ? ` since ${owner.since}` : ''}: one process at a time may open it, or the writes of one are lost`,
      hint: self
        ? 'open the data directory once per process and share that database, or close it before opening it again'
        : `stop ${who} and try again, or do this through it: when it is a Mekong server, use its HTTP API ` +
          '(e.g. POST /admin/api-keys for a key)',
    });
  }
}

/** A data directory held by this process; {@link DataDirLock.release} gives it up. */
export interface DataDirLock {
  release(): Promise<void>;
}

/** Why this platform cannot lock data directories, when it cannot (no binary of fs-native-extensions for it). */
export type LockUnavailable = { readonly unavailable: string };

/**
 * Takes `dataDir` (made if missing) for this process, or throws {@link DataDirInUseError} at once, naming the
 * process that holds it. Returns {@link LockUnavailable} when the platform has no way to lock it.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock | LockUnavailable> {
  const native = nativeLocks();
  if ('unavailable' in native) return native;
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    if (!native.tryLock(file.fd, LOCK_OFFSET, 1)) throw new DataDirInUseError(dataDir, await readOwner(path));
    await writeOwner(file);
  } catch (error) {
    await file.close();
    throw error;
  }
  let released: Promise<void> | undefined;
  return {
    release() {
      // Emptied first, so that the file names no owner once there is none; closing it releases the lock.
      released ??= file
        .truncate(0)
        .catch(() => undefined)
        .then(() => file.close());
      return released;
    },
  };
}

async function writeOwner(file: FileHandle): Promise<void> {
  const owner: DataDirOwner = {
    pid: process.pid,
    command: [process.argv0, ...process.argv.slice(1)].join(' ').slice(0, 300),
    since: new Date().toISOString(),
  };
  await file.truncate(0);
  await file.write(`${JSON.stringify(owner)}\n`, 0);
}

async function readOwner(path: string): Promise<DataDirOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<DataDirOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.command !== 'string') return undefined;
    return { pid: owner.pid, command: owner.command, since: String(owner.since) };
  } catch {
    return undefined; // the owner has not written itself yet (it just took the lock), or wrote something else
  }
}

let loaded: NativeLocks | LockUnavailable | undefined;

function nativeLocks(): NativeLocks | LockUnavailable {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;
    } catch (error) {
      loaded = {
        unavailable: `fs-native-extensions has no binary for ${process.platform}-${process.arch} here (${(error as Error).message.split('\n')[0]})`,
      };
    }
  }
  return loaded;
}
