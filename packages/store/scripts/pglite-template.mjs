#!/usr/bin/env node
// Makes pglite-template/pglite-<version>.tar.gz: the data directory of a new PGlite database (initdb's output,
// no rows of any deployment), for new databases to start from instead of running initdb (seconds) on a
// machine's first start. Runs after install and before publishing; does nothing when the archive of the
// installed PGlite exists. The store finds it by the same name (src/sql/pglite-template.ts, shippedArchive).
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const outDir = join(packageDir, 'pglite-template');

async function pgliteVersion() {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest) {
      const { name, version } = JSON.parse(manifest);
      if (name === '@electric-sql/pglite' && version) return version;
    }
    if (dirname(dir) === dir) throw new Error('could not find the package.json of @electric-sql/pglite');
    dir = dirname(dir);
  }
}

const name = `pglite-${await pgliteVersion()}.tar.gz`;
const target = join(outDir, name);
if (existsSync(target)) process.exit(0);

const started = performance.now();
const db = await PGlite.create();
const tar = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
await db.close();
await mkdir(outDir, { recursive: true });
// Other versions' archives are of no use to this install.
for (const old of await readdir(outDir)) if (old !== name) await rm(join(outDir, old), { force: true });
const partial = `${target}.${process.pid}.partial`;
await writeFile(partial, gzipSync(tar, { level: 9 }));
await rename(partial, target); // whole or absent, never half written
console.log(`@mekong/store: made ${name} (${Math.round(performance.now() - started)} ms)`);
