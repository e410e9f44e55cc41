/**
 * Lines of a byte stream, as bytes: the pipe's input. A pipe must judge UTF-8 the way the Kafka
 * path does (strictly, in `parseMessage`), so lines are split on `\n` before any decoding; a text
 * reader would have replaced bad bytes with U+FFFD and stored them as if a client had sent them.
 * A line longer than `maxBytes` is cut there (one byte over, so it is still seen as too long) and
 * the rest of it skipped, so one endless line cannot take the process's memory.
 */

/** Yields each line of `input` without its `\n` or `\r\n`. */
export async function* byteLines(input: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  const take = (): Uint8Array => {
    let line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    // A `\r\n` line end is one terminator, as a text reader takes it.
    if (line.length > 0 && line[line.length - 1] === 13 && !skipping) line = line.subarray(0, line.length - 1);
    parts = [];
    size = 0;
    skipping = false;
    return line;
  };
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!skipping) {
        const room = maxBytes + 1 - size;
        const piece = chunk.subarray(start, Math.min(end, start + room));
        if (piece.length > 0) {
          parts.push(piece);
          size += piece.length;
        }
        if (size > maxBytes) skipping = true;
      }
      if (nl < 0) break;
      yield take();
      start = nl + 1;
    }
  }
  if (size > 0) yield take();
}
