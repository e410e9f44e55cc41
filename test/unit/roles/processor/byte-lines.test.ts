import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { byteLines } from '../../../../src/roles/processor/byte-lines.js';

async function collect(chunks: Buffer[], max: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of byteLines(Readable.from(chunks), max)) out.push(Buffer.from(line).toString('latin1'));
  return out;
}

test('splits on \\n across chunk boundaries, drops a \\r\\n terminator, keeps the last unterminated line', async () => {
  assert.deepEqual(await collect([Buffer.from('ab\r\nc'), Buffer.from('d\n\nef')], 100), ['ab', 'cd', '', 'ef']);
});

test('keeps bytes as they are: invalid UTF-8 reaches the parser undecoded', async () => {
  const [line] = await collect([Buffer.from([0x61, 0xc3, 0x28, 0x0a])], 100);
  assert.deepEqual(Buffer.from(line!, 'latin1'), Buffer.from([0x61, 0xc3, 0x28]));
});

test('cuts a line longer than the limit one byte past it and skips the rest, however long', async () => {
  const chunks = Array.from({ length: 100 }, () => Buffer.alloc(10_000, 120));
  const lines = await collect([...chunks, Buffer.from('\nnext\n')], 50);
  assert.deepEqual(lines.map((l) => l.length), [51, 4]);
  assert.equal(lines[1], 'next');
});
