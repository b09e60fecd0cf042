// Worker thread entry of the tarball reader (worker-client.ts): it inflates and walks the
// archive with the same code as the main thread (tar-reader.ts readTarGzHere) and sends
// the entries in batches (entry-batch.ts), then exactly one final message: the result, or
// the error. It stops walking while the main thread has too many batches to catch up on.

import { parentPort, workerData } from 'node:worker_threads';
import type { Limits } from './limits.js';
import { BatchWriter } from './entry-batch.js';
import type { ReadFlow } from './read-types.js';
import { readTarGzHere } from './tar-reader.js';
import { errorToMessage, MAX_IN_FLIGHT, type ToMain, type ToWorker } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('read-worker.js runs only as a worker thread');
const data = workerData as { file: string; limits: Limits; bytes?: Uint8Array; progress: boolean };
const post = (m: ToMain, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

let inFlight = 0;
let resume: (() => void) | null = null;
port.on('message', (m: ToWorker) => {
  if (m.t !== 'ack') return;
  inFlight -= 1;
  if (resume !== null && inFlight < MAX_IN_FLIGHT) {
    const go = resume;
    resume = null;
    go();
  }
});
const flow: ReadFlow = {
  ready: () => inFlight < MAX_IN_FLIGHT,
  wait: (fn) => {
    resume = fn;
  },
};

const writer = new BatchWriter((buf, length, entries) => {
  inFlight += 1;
  post({ t: 'batch', buffer: buf.buffer as ArrayBuffer, length, entries }, [buf.buffer as ArrayBuffer]);
});
// Progress is reported after the entries it counts have been sent.
const progress = data.progress
  ? (compressed: number, entries: number): void => {
      writer.flush();
      post({ t: 'progress', compressed, entries });
    }
  : undefined;
const bytes = data.bytes === undefined ? undefined : Buffer.from(data.bytes.buffer, data.bytes.byteOffset, data.bytes.byteLength);

let answer: ToMain;
try {
  const result = await readTarGzHere(data.file, data.limits, (e) => writer.add(e), progress, bytes, flow);
  answer = { t: 'end', result };
} catch (e) {
  answer = errorToMessage(e);
}
// The entries read before a failure reach the sink before the failure does, as on one thread.
writer.flush();
post(answer);
port.close();
