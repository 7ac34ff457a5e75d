/** Where a command writes: standard output for results and progress, standard error for failures. */
export interface Output {
  line(text: string): void;
  error(text: string): void;
}

/** The terminal. */
export const terminal: Output = {
  line: (text) => void process.stdout.write(`${text}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
};

/** Runs one step of a command and says what it did and how long it took, or that it failed. */
export async function step<T>(out: Output, label: string, work: () => Promise<T> | T): Promise<T> {
  const t = performance.now();
  const took = () => `${(performance.now() - t).toFixed(0)} ms`;
  try {
    const result = await work();
    out.line(`✓ ${label} (${took()})`);
    return result;
  } catch (error) {
    out.error(`✗ ${label} (${took()})`);
    throw error;
  }
}
