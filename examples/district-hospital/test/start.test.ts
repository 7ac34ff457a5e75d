import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const example = join(root, 'examples/district-hospital');

/** The README's curl examples, each command with its continuation lines joined. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- The commands below are run[^\n]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has lost its tested curl examples');
  return block
    .replace(/\\\n\s*/g, '')
    .trim()
    .split('\n');
}

describe('pnpm start (mekong start in examples/district-hospital)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mekong-example-'));
  const key = `mk_${randomBytes(32).toString('base64url')}`;
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the demo hospital; the README curl examples work as written; SIGTERM stops it cleanly', async () => {
    child = spawn(process.execPath, [join(root, 'packages/cli/bin/mekong.js'), 'start'], {
      cwd: example,
      env: { ...process.env, PORT: '0', MEKONG_DATA_DIR: dataDir, MEKONG_BOOTSTRAP_API_KEY: key, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child?.on('exit', resolve));
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain('Mekong is running');
    expect(output).toMatch(/mekong kernel 0\.1\.\d+: started in [\d.]+ ms \(6 plugin\(s\)\)/);
    expect(output).toMatch(/├─ server@0\.1\.\d+ {2}started/);
    expect(output).toMatch(/└─ vital-signs-triage@0\.1\.0 {2}started/);
    expect(output).not.toContain(key); // a key given in the environment is never echoed
    const url = /FHIR R4 API\s+(http:\/\/127\.0\.0\.1:\d+)\/fhir\/R4\/metadata/.exec(output)?.[1];
    expect(url).toBeDefined();

    // Run as written, on the port this test's server got instead of 8080.
    const answers = readmeCommands().map((command) =>
      JSON.parse(
        execFileSync('bash', ['-c', command.replaceAll('http://127.0.0.1:8080', url as string)], {
          env: { ...process.env, KEY: key },
          encoding: 'utf8',
        }),
      ),
    );
    expect(answers[0]).toEqual({ status: 'ready', reasons: [] });
    expect(answers[1].entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['demo-patient-an']);
    expect(answers[2]).toMatchObject({ resourceType: 'Patient', meta: { versionId: '1' } });
    expect(answers[3].entry[0].resource.id).toBe(answers[2].id);
    expect(answers[4]).toMatchObject({ name: 'reception desk', key: expect.stringMatching(/^mk_/) });
    // The shipped ICD-10 subset: "nhoi mau" finds "Nhồi máu cơ tim" without its diacritics.
    expect(answers[5].expansion.contains.slice(0, 2)).toEqual([
      {
        system: 'http://hl7.org/fhir/sid/icd-10',
        version: 'vn-4469-2020',
        code: 'I21',
        display: 'Nhồi máu cơ tim cấp',
      },
      {
        system: 'http://hl7.org/fhir/sid/icd-10',
        version: 'vn-4469-2020',
        code: 'I21.0',
        display: 'Nhồi máu cơ tim cấp thành trước xuyên thành',
      },
    ]);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM received: stopping\.\.\.\nstopped in [\d.]+ ms/);
  }, 120_000); // a first PGlite start with migrations, while other test files share the two cores
});
