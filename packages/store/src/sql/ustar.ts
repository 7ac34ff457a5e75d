import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

// ustar archives of data directories: written for PGlite's `loadDataDir` (an in-memory database from a
// template), read to unpack the archive the package ships. Only what a PostgreSQL data directory holds:
// directories and regular files with short names.

const BLOCK = 512;
const encoder = new TextEncoder();

function field(header: Uint8Array, offset: number, length: number, value: string): void {
  header.set(encoder.encode(value).subarray(0, length), offset);
}

/** `value` in octal, zero-padded to `length - 1` digits and NUL-terminated, as ustar numbers are. */
function octal(header: Uint8Array, offset: number, length: number, value: number): void {
  field(header, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function header(name: string, type: '0' | '5', size: number, mtime: Date): Uint8Array {
  if (encoder.encode(name).length > 99) {
    throw new Error(`cannot archive ${name}: ustar names here are at most 99 bytes (no long-name extension)`);
  }
  const block = new Uint8Array(BLOCK);
  field(block, 0, 100, name);
  octal(block, 100, 8, type === '5' ? 0o700 : 0o600);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, size);
  octal(block, 136, 12, Math.floor(mtime.getTime() / 1000));
  field(block, 148, 8, '        '); // the checksum counts its own field as spaces
  field(block, 156, 1, type);
  field(block, 257, 8, 'ustar\u000000');
  const sum = block.reduce((total, byte) => total + byte, 0);
  field(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/**
 * The directories and regular files under `root` as one ustar archive, names relative to `root` with `/`
 * separators, in a stable order. Other kinds of entries (links, sockets) are refused: a data directory has none.
 */
export async function tarDirectory(root: string): Promise<Uint8Array> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const named = entries
    .map((entry) => ({ entry, name: relative(root, join(entry.parentPath, entry.name)).split(sep).join('/') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (const { entry, name } of named) {
    const path = join(root, name);
    if (entry.isDirectory()) {
      parts.push(header(`${name}/`, '5', 0, (await stat(path)).mtime));
    } else if (entry.isFile()) {
      const [data, info] = await Promise.all([readFile(path), stat(path)]);
      parts.push(header(name, '0', data.length, info.mtime), data);
      const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (padding) parts.push(new Uint8Array(padding));
    } else {
      throw new Error(`cannot archive ${path}: only directories and regular files belong in a data directory`);
    }
  }
  parts.push(new Uint8Array(2 * BLOCK)); // end of archive
  const archive = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    archive.set(part, offset);
    offset += part.length;
  }
  return archive;
}

/** An entry of a ustar archive: a directory, or a regular file and its bytes (a view into the archive). */
export interface TarEntry {
  /** Relative, `/`-separated, without a leading `/` or a trailing one. */
  readonly name: string;
  readonly type: 'directory' | 'file';
  readonly data: Uint8Array;
}

const decoder = new TextDecoder();
const text = (block: Uint8Array, offset: number, length: number) =>
  decoder.decode(block.subarray(offset, offset + length)).replace(/\0.*$/s, '');

/**
 * The directories and regular files of a ustar archive (PGlite's `dumpDataDir` or {@link tarDirectory}). Names
 * that would leave the directory they are unpacked into (`..`), and other kinds of entries, are refused.
 */
export function untar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let offset = 0; offset + BLOCK <= archive.length; ) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break; // end of archive
    const prefix = text(block, 345, 155);
    const name = `${prefix ? `${prefix}/` : ''}${text(block, 0, 100)}`.replace(/^\/+|\/+$/g, '');
    const size = Number.parseInt(text(block, 124, 12).trim() || '0', 8);
    const type = text(block, 156, 1);
    if (!name || name.split('/').includes('..') || !Number.isSafeInteger(size)) {
      throw new Error(`cannot unpack the archive entry at byte ${offset}: '${name}' (size ${size}) is not safe`);
    }
    const start = offset + BLOCK;
    if (type === '5') entries.push({ name, type: 'directory', data: new Uint8Array(0) });
    else if (type === '0' || type === '')
      entries.push({ name, type: 'file', data: archive.subarray(start, start + size) });
    else throw new Error(`cannot unpack ${name}: only directories and regular files belong in a data directory`);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
