/** Resident memory in MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** A body of `total` bytes produced lazily in chunks, so the test itself never holds it in memory. */
export function lazyBody(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  const piece = new TextEncoder().encode('{"resourceType":"Bundle","entry":['.padEnd(chunk, ' '));
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      controller.enqueue(piece);
      sent += piece.length;
    },
  });
}
