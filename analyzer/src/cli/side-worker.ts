// Worker thread entry for one side of `nsnap diff` (see side.ts). It answers with exactly
// one message: the analysed side, or its error.

import { parentPort, workerData } from 'node:worker_threads';
import type { Parsed } from './args.js';
import { analyseSide, errorMessage, type SideMessage } from './side.js';

const { inputs, parsed } = workerData as { inputs: string[]; parsed: Parsed };
let answer: SideMessage;
try {
  answer = { ok: true, result: await analyseSide(inputs, parsed) };
} catch (e) {
  answer = errorMessage(e);
}
parentPort?.postMessage(answer);
