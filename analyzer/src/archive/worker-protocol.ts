// The messages between the tarball reader's worker (read-worker.ts) and the main thread
// (worker-client.ts), and errors in a form that survives the thread boundary.

import { NsnapError, type ErrorCode } from '../errors.js';
import type { TarReadResult } from './read-types.js';

/** Batches the main thread may be behind before the worker stops walking (memory bound). */
export const MAX_IN_FLIGHT = 8;

export type ToMain =
  | { t: 'batch'; buffer: ArrayBuffer; length: number; entries: number }
  | { t: 'progress'; compressed: number; entries: number }
  | { t: 'end'; result: TarReadResult }
  | { t: 'error'; nsnap: boolean; code?: ErrorCode; exitCode?: 1 | 2; hint?: string; message: string; stack?: string };

export type ToWorker = { t: 'ack' };

export function errorToMessage(e: unknown): Extract<ToMain, { t: 'error' }> {
  if (e instanceof NsnapError) {
    return {
      t: 'error',
      nsnap: true,
      code: e.code,
      exitCode: e.exitCode,
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
      message: e.message,
    };
  }
  const err = e as Error | undefined;
  return { t: 'error', nsnap: false, message: err?.message ?? String(e), ...(err?.stack ? { stack: err.stack } : {}) };
}

/** The error the worker sent, as the same kind of error the main thread would have thrown. */
export function messageToError(m: Extract<ToMain, { t: 'error' }>): Error {
  if (m.nsnap && m.code !== undefined) {
    return new NsnapError(m.code, m.message, { exitCode: m.exitCode ?? 2, ...(m.hint !== undefined ? { hint: m.hint } : {}) });
  }
  const err = new Error(m.message);
  if (m.stack !== undefined) err.stack = m.stack;
  return err;
}
