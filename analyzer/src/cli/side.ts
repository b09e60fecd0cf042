// One side of `nsnap diff`: load its views, merge them and give them roles. With two
// sides and two cores, the before side runs in a worker thread (side-worker.ts) while the
// after side runs here; the result is the same as running them one after the other,
// which is what happens when the worker cannot be used (running from the TypeScript
// sources under vitest, or NSNAP_NO_WORKERS set).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NsnapError, type ErrorCode } from '../errors.js';
import { buildAnalysis } from '../model/build.js';
import type { Analysis } from '../model/types.js';
import { applyRoles, loadRules, type RuleSet } from '../roles/index.js';
import { list, type Parsed } from './args.js';
import { loadViews } from './common.js';
import { STDIN } from '../source/load.js';

export interface SideResult {
  analysis: Analysis;
  selfPids: Array<number | null>;
}

export async function analyseSide(inputs: string[], p: Parsed, loaded?: RuleSet): Promise<SideResult> {
  const rules = loaded ?? loadRules(list(p, 'rules'));
  const views = await loadViews(inputs, p);
  const analysis = buildAnalysis(views, { sameBoot: p.flags.get('same-boot') === true });
  applyRoles(analysis, views, rules);
  return { analysis, selfPids: views.map((v) => v.selfPid) };
}

/** What a worker sends back: its result, or its error in a form that survives cloning. */
export type SideMessage =
  | { ok: true; result: SideResult }
  | { ok: false; nsnap: boolean; code?: ErrorCode; exitCode?: 1 | 2; hint?: string; message: string; stack?: string };

export function errorMessage(e: unknown): SideMessage {
  if (e instanceof NsnapError) {
    return { ok: false, nsnap: true, code: e.code, exitCode: e.exitCode, ...(e.hint ? { hint: e.hint } : {}), message: e.message };
  }
  const err = e as Error;
  return { ok: false, nsnap: false, message: err?.message ?? String(e), ...(err?.stack ? { stack: err.stack } : {}) };
}

function rethrow(m: Extract<SideMessage, { ok: false }>): never {
  if (m.nsnap && m.code) throw new NsnapError(m.code, m.message, { exitCode: m.exitCode ?? 2, ...(m.hint ? { hint: m.hint } : {}) });
  const err = new Error(m.message);
  if (m.stack) err.stack = m.stack;
  throw err;
}

const WORKER = fileURLToPath(new URL('./side-worker.js', import.meta.url));

function inWorker(inputs: string[], p: Parsed): Promise<SideResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { inputs, parsed: p } });
    let answered = false;
    worker.once('message', (m: SideMessage) => {
      answered = true;
      if (m.ok) resolve(m.result);
      else {
        try {
          rethrow(m);
        } catch (e) {
          reject(e);
        }
      }
    });
    worker.once('error', (e) => {
      answered = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the worker reading ${inputs.join(', ')} stopped with exit code ${code} and no answer`));
    });
  });
}

/** Both sides, in parallel where possible; errors are reported for the before side first. */
export async function analyseSides(
  before: string[],
  after: string[],
  p: Parsed,
  env: NodeJS.ProcessEnv,
  rules: RuleSet,
): Promise<[SideResult, SideResult]> {
  // A worker thread has no standard input: a side read from `-` runs here.
  if (env.NSNAP_NO_WORKERS || !existsSync(WORKER) || [...before, ...after].includes(STDIN))
    return [await analyseSide(before, p, rules), await analyseSide(after, p, rules)];
  const [b, a] = await Promise.allSettled([inWorker(before, p), analyseSide(after, p, rules)]);
  if (b.status === 'rejected') throw b.reason;
  if (a.status === 'rejected') throw a.reason;
  return [b.value, a.value];
}
