import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeqAllocator, type SeqStore } from '../../../../src/roles/intake/seq-allocator.js';
import { createFileSeqStore } from '../../../../src/roles/intake/file-seq-store.js';

/** An in-memory store that records every save and can be made slow or failing. */
function memoryStore(initial?: number) {
  let value = initial;
  const saves: number[] = [];
  let gate: Promise<void> | undefined;
  let failNext = false;
  const store: SeqStore & { saves: number[]; value: () => number | undefined; hold: () => () => void; failOnce: () => void } = {
    saves,
    value: () => value,
    async load() {
      return value;
    },
    async save(next) {
      if (gate) await gate;
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      saves.push(next);
      value = next;
    },
    hold() {
      let release!: () => void;
      gate = new Promise((r) => {
        release = r;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    failOnce() {
      failNext = true;
    },
  };
  return store;
}

const tick = () => new Promise((r) => setImmediate(r));

test('the high-water mark is saved before the first id is handed out', async () => {
  const store = memoryStore();
  const seq = createSeqAllocator({ store, blockSize: 10 });
  assert.equal(seq.take(), undefined, 'nothing before start');
  await seq.start();
  assert.deepEqual(store.saves, [11]);
  assert.equal(seq.take(), 1);
  assert.equal(seq.take(), 2);
});

test('a restart continues after the persisted mark, never reusing an id', async () => {
  const store = memoryStore();
  const first = createSeqAllocator({ store, blockSize: 100 });
  await first.start();
  const used = new Set<number>();
  for (let i = 0; i < 30; i += 1) used.add(first.take()!);
  // "crash": no shutdown hook; a new allocator on the same store
  const second = createSeqAllocator({ store, blockSize: 100 });
  await second.start();
  const next = second.take()!;
  assert.ok(next > Math.max(...used), `${next} must be above every id used before the crash`);
  assert.equal(next, 101);
});

test('ids stay unique and increasing across many blocks, with background reservations', async () => {
  const store = memoryStore(500);
  const seq = createSeqAllocator({ store, blockSize: 8 });
  await seq.start();
  const ids: number[] = [];
  while (ids.length < 100) {
    const id = seq.take();
    if (id === undefined) await seq.ready();
    else ids.push(id);
  }
  assert.equal(ids[0], 500);
  for (let i = 1; i < ids.length; i += 1) assert.equal(ids[i], ids[i - 1]! + 1);
  // Every id handed out was covered by a mark saved before it.
  assert.ok(store.value()! > ids.at(-1)!);
});

test('when the next block is not durable yet, take() refuses and ready() waits for it', async () => {
  const store = memoryStore();
  const seq = createSeqAllocator({ store, blockSize: 4 });
  await seq.start();
  const release = store.hold();
  const got = [seq.take(), seq.take(), seq.take(), seq.take()];
  assert.deepEqual(got, [1, 2, 3, 4]);
  assert.equal(seq.take(), undefined, 'block used up while the save is pending');
  let ready = false;
  const waiting = seq.ready().then(() => {
    ready = true;
  });
  await tick();
  assert.equal(ready, false);
  release();
  await waiting;
  assert.equal(seq.take(), 5);
  assert.deepEqual(store.saves, [5, 9]);
});

test('a failed save is reported and retried; no id beyond the durable mark is handed out', async () => {
  const store = memoryStore();
  const errors: Error[] = [];
  const seq = createSeqAllocator({ store, blockSize: 2, onError: (e) => errors.push(e) });
  await seq.start();
  store.failOnce();
  assert.equal(seq.take(), 1);
  assert.equal(seq.take(), 2); // block half used: triggers the background save, which fails
  await tick();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /disk full/);
  assert.equal(seq.take(), undefined, 'mark 3 is all that is durable');
  await seq.ready();
  assert.equal(seq.take(), 3);
});

test('an invalid stored mark stops the start', async () => {
  const seq = createSeqAllocator({ store: memoryStore(-5) });
  await assert.rejects(seq.start(), /invalid high-water mark/);
});

test('file store: missing file is no state; saves are atomic JSON; garbage is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'el-seq-'));
  try {
    const path = join(dir, 'nested', 'intake.seq');
    const store = createFileSeqStore(path);
    assert.equal(await store.load(), undefined);
    await store.save(20001);
    assert.equal(await store.load(), 20001);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { next: 20001 });
    assert.deepEqual(await readdir(join(dir, 'nested')), ['intake.seq'], 'no temporary file left behind');
    await writeFile(path, 'not json');
    await assert.rejects(store.load(), /not JSON/);
    await writeFile(path, '{"next": "12"}');
    await assert.rejects(store.load(), /no valid "next"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file store + allocator: a second allocator on the same file starts after the first block', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'el-seq-'));
  try {
    const path = join(dir, 'intake.seq');
    const a = createSeqAllocator({ store: createFileSeqStore(path), blockSize: 1000 });
    await a.start();
    assert.equal(a.take(), 1);
    const b = createSeqAllocator({ store: createFileSeqStore(path), blockSize: 1000 });
    await b.start();
    assert.equal(b.take(), 1001);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
