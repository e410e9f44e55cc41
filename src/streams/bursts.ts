import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Groups values that arrive in one synchronous burst (one fetch's records) into arrays of at most
 * `max`: a burst is cut at `max`, and what is left goes out at the end of the burst (a microtask
 * later) or when the source completes.
 */
export function bursts<T>(max: number): OperatorFunction<T, T[]> {
  return (source) => new Observable<T[]>((subscriber) => {
    let batch: T[] = [];
    let queued = false;
    const flush = (): void => {
      queued = false;
      if (batch.length === 0) return;
      const out = batch;
      batch = [];
      subscriber.next(out);
    };
    return source.subscribe({
      next(value) {
        batch.push(value);
        if (batch.length >= max) flush();
        else if (!queued) {
          queued = true;
          queueMicrotask(flush);
        }
      },
      error: (error: unknown) => subscriber.error(error),
      complete() {
        flush();
        subscriber.complete();
      },
    });
  });
}
