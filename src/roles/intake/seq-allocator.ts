import { ElError } from '../../domain/errors.js';

/**
 * Where the seqId high-water mark lives. `load` gives the first seqId that was never reserved
 * (undefined when there is no state yet); `save` must be durable when it resolves.
 */
export interface SeqStore {
  load(): Promise<number | undefined>;
  save(next: number): Promise<void>;
}

/** Hands out seqIds that are unique across restarts of the intake that owns the store. */
export interface SeqAllocator {
  /** Loads the state and reserves the first block; call once before `take`. */
  start(): Promise<void>;
  /**
   * The next seqId, or undefined when the reserved block is used up and the next reservation
   * is not durable yet (then wait on `ready()`). Synchronous so that ids follow arrival order.
   */
  take(): number | undefined;
  /** Resolves once `take()` can return an id again; rejects if the reservation failed. */
  ready(): Promise<void>;
  /** Ids handed out so far (next) and the reserved limit (exclusive), for `/status`. */
  status(): { readonly next: number; readonly limit: number };
}

/** Options of {@link createSeqAllocator}. */
export interface SeqAllocatorOptions {
  readonly store: SeqStore;
  /** Ids reserved per durable write. */
  readonly blockSize?: number;
  /** The first seqId when the store has no state. */
  readonly firstSeqId?: number;
  /** Reports a failed background reservation (the next `take` tries again). */
  readonly onError?: (error: Error) => void;
}

/**
 * Creates a block allocator. The high-water mark is persisted *before* any id of a block is handed
 * out, so a crash at any point skips ahead to the next block instead of reusing ids, and the
 * (recvFrom, seqId) pair, hence the event uuid, never repeats. The next block is reserved in the
 * background when half of the current one is used, so the hot path never waits on the disk.
 */
export function createSeqAllocator(options: SeqAllocatorOptions): SeqAllocator {
  const blockSize = options.blockSize ?? 10_000;
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new ElError('EL_CONFIG_INVALID', `seqId block size must be a positive integer, got ${blockSize}`);
  let next = 0;
  let limit = 0;
  let started = false;
  let reserving: Promise<void> | undefined;

  const reserve = (): Promise<void> => {
    if (reserving) return reserving;
    const target = limit + blockSize;
    if (!Number.isSafeInteger(target)) return Promise.reject(new ElError('EL_INTERNAL', 'seqId space exhausted'));
    reserving = options.store.save(target).then(
      () => {
        limit = target;
        reserving = undefined;
      },
      (error: unknown) => {
        reserving = undefined;
        throw new ElError('EL_INTERNAL', `cannot persist the seqId high-water mark: ${(error as Error).message}`, { cause: error });
      },
    );
    return reserving;
  };

  const reserveInBackground = () => {
    reserve().catch((error: Error) => options.onError?.(error));
  };

  return {
    async start() {
      if (started) return;
      const stored = await options.store.load();
      if (stored !== undefined && (!Number.isSafeInteger(stored) || stored < 0)) {
        throw new ElError('EL_CONFIG_INVALID', `seqId state holds an invalid high-water mark: ${String(stored)}`);
      }
      next = stored ?? options.firstSeqId ?? 1;
      limit = next;
      await reserve();
      started = true;
    },
    take() {
      if (!started) return undefined;
      if (next >= limit) {
        reserveInBackground();
        return undefined;
      }
      const id = next;
      next += 1;
      if (limit - next < blockSize / 2 && !reserving) reserveInBackground();
      return id;
    },
    async ready() {
      if (!started) throw new ElError('EL_INTERNAL', 'seqId allocator not started');
      while (next >= limit) await reserve();
    },
    status: () => ({ next, limit }),
  };
}
