/** The messages between a processor's thread and its producer thread (see producer-thread.ts). */
import type { ErrorCode } from '../domain/errors.js';
import type { ProduceFrame } from './produce-frame.js';

/** Parent → producer thread. */
export type ThreadRequest =
  | { readonly type: 'connect'; readonly brokers: readonly string[]; readonly clientId: string; readonly logLevel: string }
  | { readonly type: 'send'; readonly id: number; readonly frame: ProduceFrame }
  | { readonly type: 'close' };

/** A classified error, as it crosses threads. */
export interface ThreadError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Producer thread → parent. */
export type ThreadReply =
  | { readonly type: 'connected' }
  | { readonly type: 'connect-failed'; readonly error: ThreadError }
  | { readonly type: 'connection'; readonly connected: boolean }
  | { readonly type: 'sent'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: ThreadError }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'retried'; readonly code: ErrorCode; readonly messages: number }
  | { readonly type: 'closed' };
