import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('pnpm start', () => {
  it('boots the deployment, prints the boot report, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=mekong-source', '--import', 'tsx', 'examples/district-hospital/src/main.ts'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await expect.poll(() => output, { timeout: 15_000 }).toContain('Mekong is running');
    expect(output).toMatch(/mekong kernel 0\.1\.\d+: started in [\d.]+ ms \(2 plugin\(s\)\)/);
    expect(output).toMatch(/├─ triage@0\.1\.0 {2}started/);
    expect(output).toMatch(/└─ vital-signs-triage@0\.1\.0 {2}started/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM received: stopping\.\.\.\nstopped in [\d.]+ ms/);
  });
});
