// Runs the real CLI (bin/nsnap) as a child process and measures it: exit code or signal,
// wall time, and peak RSS of the child itself, from GNU time's %M (wait4's ru_maxrss).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const GNU_TIME = '/usr/bin/time';
const NSNAP = resolve('bin/nsnap');

export interface Measured {
  argv: string[];
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set size of the nsnap process, in MiB. */
  rssMiB: number;
  /** User plus system CPU time of the nsnap process (zlib's worker threads included), ms. */
  cpuMs: number;
  timedOut: boolean;
}

const CAPTURE = 1 << 20;

export function runMeasured(argv: string[], env: NodeJS.ProcessEnv = {}, killAfterMs = 30_000): Promise<Measured> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install the Debian package 'time'`);
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-measure-'));
  const out = join(dir, 'rss');
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', out, NSNAP, ...argv], {
      detached: true,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      if (stdout.length < CAPTURE) stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < CAPTURE) stderr += c.toString('utf8');
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, killAfterMs);
    child.on('error', fail);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let report = '';
      try {
        report = readFileSync(out, 'utf8');
      } catch {
        // killed before time wrote anything
      }
      rmSync(dir, { recursive: true, force: true });
      const lines = report.trim().split('\n');
      const [kb, user, sys] = (lines[lines.length - 1] ?? '').split(' ').map(Number) as [number, number, number];
      const killed = /terminated by signal (\d+)/.exec(report);
      done({
        argv,
        code: killed ? null : code,
        signal: killed ? `signal ${killed[1]}` : sig,
        stdout,
        stderr,
        ms,
        rssMiB: Number.isFinite(kb) ? kb / 1024 : Number.NaN,
        cpuMs: (user + sys) * 1000,
        timedOut,
      });
    });
  });
}

/** Runs tasks with at most `limit` at a time, keeping the order of the results. */
export async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next;
      next += 1;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
