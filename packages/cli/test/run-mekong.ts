import { type Output, runCli } from '@mekong/cli';

/** Runs `mekong --config <config> ...args` in this process; its exit code and what it printed. */
export async function runMekong(config: string, ...args: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const out: Output = { line: (t) => void lines.push(t), error: (t) => void errors.push(t) };
  const code = await runCli(['--config', config, ...args], out);
  return { code, stdout: lines.join('\n'), stderr: errors.join('\n') };
}
