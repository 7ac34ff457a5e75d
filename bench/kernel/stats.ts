/** Median of a sample. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nanoseconds per call of `fn`, over `calls` calls, median of `rounds` rounds. */
export function nsPerCall(fn: () => unknown, calls: number, rounds: number): number {
  const samples: number[] = [];
  let sink: unknown;
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink = fn();
    samples.push(Number(process.hrtime.bigint() - t) / calls);
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return median(samples);
}
