import { Observable, type OperatorFunction } from 'rxjs';

/** Options of {@link orderedMap}. */
export interface OrderedMapOptions {
  /**
   * Most promised answers awaited at once (default 1). Values behind a waiting one are mapped as
   * they arrive, up to this many promises, so several slow lookups (schemas not yet loaded)
   * overlap instead of queueing one after the other; results are still emitted in input order.
   */
  readonly concurrency?: number;
}

/** One mapped value awaiting its turn to be emitted. */
interface Slot<O> {
  done: boolean;
  value?: O;
}

/**
 * Maps each value with a function that answers synchronously in the common case and with a
 * promise only sometimes (a schema not yet compiled), emitting results in input order. The
 * synchronous path costs no promise or scheduling per value, which is what keeps the processor's
 * hot path fast; while a value waits, later values are mapped (up to `concurrency` promises in
 * flight) and their results held, so offsets complete in order. A rejected promise errors the
 * stream (the mapping function is expected to turn per-value failures into data); completion
 * waits for every value.
 */
export function orderedMap<I, O>(fn: (value: I) => O | Promise<O>, options: OrderedMapOptions = {}): OperatorFunction<I, O> {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  return (source) => new Observable<O>((subscriber) => {
    /** Inputs not mapped yet: more promises than `concurrency` would be in flight. */
    const inputs: I[] = [];
    let inputHead = 0;
    /** Mapped values, in input order, not emitted yet. */
    const slots: Slot<O>[] = [];
    let slotHead = 0;
    let inFlight = 0;
    let sourceDone = false;
    let closed = false;

    /** Holds a place for a promised answer, emitted in its turn. */
    function wait(result: Promise<O>): void {
      const slot: Slot<O> = { done: false };
      slots.push(slot);
      inFlight += 1;
      result.then(
        (out) => {
          if (closed) return;
          inFlight -= 1;
          slot.done = true;
          slot.value = out;
          pump();
        },
        (error: unknown) => {
          if (!closed) subscriber.error(error);
        },
      );
    }

    function start(value: I): void {
      const result = fn(value);
      if (result instanceof Promise) wait(result);
      else slots.push({ done: true, value: result });
    }

    /** Emits finished values from the head, starts waiting inputs while there is room, completes at the end. */
    function pump(): void {
      for (;;) {
        while (!closed && slotHead < slots.length && slots[slotHead]!.done) {
          const slot = slots[slotHead]!;
          slots[slotHead] = undefined as unknown as Slot<O>;
          slotHead += 1;
          subscriber.next(slot.value as O);
        }
        if (slotHead === slots.length) {
          slots.length = 0;
          slotHead = 0;
        }
        if (closed || inputHead === inputs.length || inFlight >= concurrency) break;
        start(inputs[inputHead]!);
        inputHead += 1;
        if (inputHead === inputs.length) {
          inputs.length = 0;
          inputHead = 0;
        }
      }
      if (sourceDone && !closed && slots.length === 0 && inputs.length === 0) subscriber.complete();
    }

    const subscription = source.subscribe({
      next(value) {
        // Nothing held: answer inline without touching the queues.
        if (slots.length === 0 && inputs.length === 0) {
          const result = fn(value);
          if (result instanceof Promise) wait(result);
          else subscriber.next(result);
          return;
        }
        if (inFlight < concurrency && inputs.length === 0) start(value);
        else inputs.push(value);
        pump();
      },
      error(error: unknown) {
        subscriber.error(error);
      },
      complete() {
        sourceDone = true;
        pump();
      },
    });
    return () => {
      closed = true;
      subscription.unsubscribe();
    };
  });
}
