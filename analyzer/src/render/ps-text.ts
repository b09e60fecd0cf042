// `nsnap ps` as text: one row per process with its PID at every level. Command lines are
// whole; the CLI cuts lines to a terminal's width (cli/width.ts), never in a pipe.

import type { ProcessNode } from '../model/types.js';
import { clip, termSafe } from './escape.js';
import type { Style } from './style.js';

export function renderPsText(procs: ProcessNode[], s: Style): string {
  const rows = procs.map((p) => ({
    pids: p.nspid.join('/'),
    ppid: String(p.ppid),
    uid: p.uid === null ? '?' : String(p.uid),
    ns: p.ns.pid ?? '?',
    comm: termSafe(clip(p.comm, 16)),
    cmd: termSafe(p.cmdline ?? ''),
  }));
  const head = { pids: 'PIDS', ppid: 'PPID', uid: 'UID', ns: 'PIDNS', comm: 'COMM', cmd: 'COMMAND' };
  const w = (k: keyof typeof head): number => Math.max(head[k].length, ...rows.map((r) => r[k].length));
  const widths = { pids: w('pids'), ppid: w('ppid'), uid: w('uid'), ns: w('ns'), comm: w('comm') };
  const line = (r: typeof head, color: (x: string) => string): string =>
    [
      color(r.pids.padStart(widths.pids)),
      r.ppid.padStart(widths.ppid),
      r.uid.padStart(widths.uid),
      r.ns.padEnd(widths.ns),
      r.comm.padEnd(widths.comm),
      r.cmd,
    ]
      .join('  ')
      .trimEnd();
  return `${[line(head, s.bold), ...rows.map((r) => line(r, s.id))].join('\n')}\n`;
}
