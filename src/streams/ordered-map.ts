import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Maps each value with a function that answers synchronously in the common case and with a
 * promise only sometimes (a schema not yet compiled), emitting results in input order. The
 * synchronous path costs no promise or scheduling per value, which is what keeps the processor's
 * hot path fast; while one value waits, later values queue behind it so offsets complete in order.
 * A rejected promise errors the stream (the mapping function is expected to turn per-value
 * failures into data); completion waits for queued values.
 */
export function orderedMap<I, O>(fn: (value: I) => O | Promise<O>): OperatorFunction<I, O> {
  return (source) => new Observable<O>((subscriber) => {
    const queue: I[] = [];
    let head = 0;
    let waiting = false;
    let sourceDone = false;
    let closed = false;

    /** Emits a synchronous answer, or waits for a promised one and then carries on draining. */
    function handle(value: I): void {
      const result = fn(value);
      if (!(result instanceof Promise)) {
        subscriber.next(result);
        return;
      }
      waiting = true;
      result.then(
        (out) => {
          if (closed) return;
          waiting = false;
          subscriber.next(out);
          drain();
        },
        (error: unknown) => {
          if (!closed) subscriber.error(error);
        },
      );
    }

    function drain(): void {
      while (!waiting && !closed && head < queue.length) {
        const value = queue[head]!;
        head += 1;
        handle(value);
      }
      if (head === queue.length) {
        queue.length = 0;
        head = 0;
      }
      if (!waiting && sourceDone && !closed) subscriber.complete();
    }

    const subscription = source.subscribe({
      next(value) {
        // Nothing queued: answer inline without touching the queue.
        if (!waiting && queue.length === 0) handle(value);
        else queue.push(value);
      },
      error(error: unknown) {
        subscriber.error(error);
      },
      complete() {
        sourceDone = true;
        if (!waiting) drain();
      },
    });
    return () => {
      closed = true;
      subscription.unsubscribe();
    };
  });
}
