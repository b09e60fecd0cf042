// The main thread's side of reading a tarball in a worker thread: with two cores, one
// inflates and walks the archive (read-worker.ts) while the other feeds the entries to
// the sink, which builds the model. Entries, problems and errors are those of the reader
// on one thread (tar-reader.ts), in the same order; the worker never outlives the read.
// Small archives, standard input too, are read on this thread: starting a worker costs
// more than it saves there. So does running from the TypeScript sources (no worker file)
// or NSNAP_NO_WORKERS set.

import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EntrySink } from './entry.js';
import { readBatch } from './entry-batch.js';
import type { Limits } from './limits.js';
import type { ReadProgress, TarReadResult } from './read-types.js';
import { messageToError, type ToMain, type ToWorker } from './worker-protocol.js';

export interface ReadOptions {
  /** false: read on this thread; a path: that worker script whatever the size (tests). */
  worker?: false | string;
}

/** Compressed size from which the worker pays for its start-up (see docs/performance.md). */
export const MIN_WORKER_BYTES = 256 * 1024;

const WORKER = fileURLToPath(new URL('./read-worker.js', import.meta.url));

/** The worker script to read this archive with, or null to read it on this thread. */
export function workerFor(file: string, bytes: Buffer | undefined, options: ReadOptions): string | null {
  if (options.worker === false) return null;
  if (typeof options.worker === 'string') return options.worker;
  if (process.env.NSNAP_NO_WORKERS || !existsSync(WORKER)) return null;
  let size: number;
  try {
    size = bytes !== undefined ? bytes.length : statSync(file).size;
  } catch {
    return null;
  }
  return size >= MIN_WORKER_BYTES ? WORKER : null;
}

export function readInWorker(
  script: string,
  file: string,
  limits: Limits,
  sink: EntrySink,
  progress: ReadProgress | undefined,
  bytes: Buffer | undefined,
): Promise<TarReadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, {
      workerData: { file, limits: { ...limits }, progress: progress !== undefined, ...(bytes !== undefined ? { bytes } : {}) },
    });
    let settled = false;
    const settle = (done: () => void): void => {
      if (settled) return;
      settled = true;
      // Whatever the worker still does (after a sink error: walking on) is of no use now.
      worker.removeAllListeners('message');
      void worker.terminate();
      done();
    };
    worker.on('message', (m: ToMain) => {
      if (settled) return;
      switch (m.t) {
        case 'batch':
          try {
            readBatch(m.buffer, m.length, sink);
          } catch (e) {
            settle(() => reject(e));
            return;
          }
          worker.postMessage({ t: 'ack' } satisfies ToWorker);
          return;
        case 'progress':
          progress?.(m.compressed, m.entries);
          return;
        case 'end':
          settle(() => resolve(m.result));
          return;
        case 'error':
          settle(() => reject(messageToError(m)));
      }
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the thread reading ${file} stopped (exit code ${code}) before it finished`))),
    );
  });
}
