/** Shared seams of the processor unit tests: a quick user-agent parser and a controllable sink. */
import type { UserAgentParser } from '../../../../src/domain/event/user-agent.js';
import type { KafkaSink, OutMessage } from '../../../../src/adapters/kafka/kafka-producer.js';

/** A user-agent parser without uap-core (loading its regexes takes a while): family = first word. */
export const quickUserAgent: UserAgentParser = (ua) => ({
  ok: true,
  value: {
    browser_family: ua.split(/[ /]/)[0] ?? 'Other', browser_major: null, browser_minor: null, os_family: 'Other', os_major: null,
    os_minor: null, device_family: 'Other', wmf_app_version: '-', is_bot: false, is_mediawiki: false,
  },
});

/** A sink that records every batch and acknowledges it when the test says so (or at once). */
export interface FakeSink extends KafkaSink {
  readonly batches: OutMessage[][];
  /** Acknowledged messages, in order. */
  readonly acked: OutMessage[];
  /** Acknowledges the oldest waiting batch; false when none waits. */
  ack(): boolean;
  /** Fails the oldest waiting batch. */
  fail(error: Error): boolean;
  waiting(): number;
}

export function fakeSink(autoAck: boolean): FakeSink {
  const batches: OutMessage[][] = [];
  const acked: OutMessage[] = [];
  const pending: Array<{ messages: readonly OutMessage[]; resolve: () => void; reject: (e: Error) => void }> = [];
  return {
    batches,
    acked,
    send(messages) {
      batches.push([...messages]);
      if (autoAck) {
        acked.push(...messages);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => pending.push({ messages, resolve, reject }));
    },
    ack() {
      const p = pending.shift();
      if (!p) return false;
      acked.push(...p.messages);
      p.resolve();
      return true;
    },
    fail(error) {
      const p = pending.shift();
      if (!p) return false;
      p.reject(error);
      return true;
    },
    waiting: () => pending.length,
    connected: () => true,
    close: async () => undefined,
  };
}

/** Resolves after the event loop has had `ms` to run timers and promises. */
export const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));
