import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// The archive format of PGlite templates: internal, tested on its own because a data directory is unpacked from it.
import { tarDirectory, untar } from '../src/sql/ustar.js';

const root = mkdtempSync(join(tmpdir(), 'mekong-ustar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A ustar header block for `name` of `type`, as another tar writer would make it. */
function header(name: string, type: string, size = 0): Uint8Array {
  const block = new Uint8Array(512);
  block.set(new TextEncoder().encode(name), 0);
  block.set(new TextEncoder().encode(`${size.toString(8).padStart(11, '0')}\0`), 124);
  block.set(new TextEncoder().encode(type), 156);
  return block;
}

describe('ustar archives of data directories', () => {
  it('reads back what it writes: directories, and files with their bytes', async () => {
    const dir = join(root, 'data');
    mkdirSync(join(dir, 'base', '1'), { recursive: true });
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    writeFileSync(join(dir, 'base', '1', '1259'), Buffer.alloc(1300, 7));
    const entries = untar(await tarDirectory(dir));
    expect(entries.map((e) => [e.name, e.type, e.data.length])).toEqual([
      ['PG_VERSION', 'file', 3],
      ['base', 'directory', 0],
      ['base/1', 'directory', 0],
      ['base/1/1259', 'file', 1300],
    ]);
    expect(entries[3]?.data.every((byte) => byte === 7)).toBe(true);
  });

  it('takes names with a leading slash, as PGlite writes them, as relative', () => {
    const archive = new Uint8Array(512 * 4);
    archive.set(header('/global/', '5'), 0);
    archive.set(header('/global/pg_control', '0', 3), 512);
    archive.set(new TextEncoder().encode('abc'), 1024);
    expect(untar(archive).map((e) => e.name)).toEqual(['global', 'global/pg_control']);
  });

  it('refuses names that leave the directory, and entries that are not directories or regular files', async () => {
    expect(() => untar(header('base/../../etc/passwd', '0'))).toThrow(/is not safe/);
    const linked = join(root, 'linked');
    mkdirSync(linked);
    symlinkSync('/etc/passwd', join(linked, 'passwd'));
    await expect(tarDirectory(linked)).rejects.toThrow(/only directories and regular files/);
    expect(() => untar(header('passwd', '2'))).toThrow(/only directories and regular files/);
  });
});
