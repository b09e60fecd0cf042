// Step 1 of the model: the processes of one view in the shape the reconstruction needs,
// with the PPid graph checked for cycles. Works from status alone, so it serves
// non-root captures whose ns links were denied.

import type { ViewData } from '../snapshot/view-data.js';
import type { ProcRecord } from '../snapshot/view-data.js';
import type { DiagnosticSink } from './diagnostics.js';

export interface VProc {
  view: number;
  pid: number;
  rec: ProcRecord;
  /** Outermost first, relative to the view's procfs. */
  nspid: number[];
  len: number;
  /** PID inside its own namespace; 1 for an init. */
  last: number;
  comm: string;
  ppid: number;
  /** The parent in this view, or null (outside the view, vanished, or a cut cycle). */
  parent: VProc | null;
  starttime: number | null;
  /** Namespace-identity key of this process's own PID namespace in this view. */
  gkey: string;
  /** Process-identity key ("p:<view>:<pid>"), made once so map lookups reuse its hash. */
  pkey: string;
}

export function viewProcs(view: ViewData, v: number, diags: DiagnosticSink): Map<number, VProc> {
  const out = new Map<number, VProc>();
  let missingNspid = 0;
  let missingStatus = 0;
  const pids = [...view.procs.keys()].sort((a, b) => a - b);
  for (const pid of pids) {
    const rec = view.procs.get(pid) as ProcRecord;
    if (rec.status === null) {
      missingStatus += 1;
      continue;
    }
    let nspid = rec.status.nspid;
    if (nspid === null) {
      missingNspid += 1;
      nspid = [pid];
    }
    out.set(pid, {
      view: v,
      pid,
      rec,
      nspid,
      len: nspid.length,
      last: nspid[nspid.length - 1] as number,
      comm: rec.comm ?? rec.stat?.comm ?? rec.status.name ?? '?',
      ppid: rec.status.ppid ?? rec.stat?.ppid ?? 0,
      parent: null,
      starttime: rec.stat?.starttime ?? null,
      gkey: `g:${v}:${pid}`,
      pkey: `p:${v}:${pid}`,
    });
  }
  if (missingStatus > 0) {
    diags.add('MISSING_STATUS', `${missingStatus} PID folder(s) without status in view ${v} were left out`, { count: missingStatus }, v);
  }
  if (missingNspid > 0) {
    diags.add(
      'MISSING_NSPID',
      `${missingNspid} process(es) in view ${v} have no NSpid; they are placed in the view's own PID namespace`,
      { count: missingNspid },
      v,
    );
  }
  for (const p of out.values()) {
    if (p.ppid === p.pid) {
      diags.add('INIT_SELF_PARENT', `PID ${p.pid} (${p.comm}) in view ${v} names itself as its parent`, { pid: p.pid }, v);
      continue;
    }
    const q = out.get(p.ppid) ?? null;
    // A parent cannot be younger than its child. When it is, the PPid names a process
    // that took the parent's PID after the parent died (read between the two status
    // reads): the real parent is unknown.
    if (q !== null && q.starttime !== null && p.starttime !== null && q.starttime > p.starttime) {
      diags.add(
        'PARENT_STARTED_LATER',
        `PID ${p.pid} (${p.comm}) in view ${v} names PID ${q.pid} (${q.comm}) as its parent, which started later (${q.starttime} > ${p.starttime} ticks): the parent PID was reused, so the parent is unknown`,
        { pid: p.pid, ppid: q.pid, starttime: p.starttime, parentStarttime: q.starttime },
        v,
      );
      continue;
    }
    p.parent = q;
  }
  cutCycles(out, v, diags);
  return out;
}

/** Finds PPid cycles (only possible in a corrupt or hostile snapshot) and cuts each once. */
function cutCycles(procs: Map<number, VProc>, v: number, diags: DiagnosticSink): void {
  const state = new Map<number, 1 | 2>(); // 1: on the current path, 2: done
  for (const start of procs.values()) {
    if (state.has(start.pid)) continue;
    const path: VProc[] = [];
    let cur: VProc | null = start;
    while (cur !== null && !state.has(cur.pid)) {
      state.set(cur.pid, 1);
      path.push(cur);
      cur = cur.parent;
    }
    if (cur !== null && state.get(cur.pid) === 1) {
      const cycle = path.slice(path.indexOf(cur));
      const cut = cycle.reduce((a, b) => (a.pid < b.pid ? a : b));
      diags.add(
        'PPID_CYCLE',
        `the PPid links of PIDs ${cycle.map((p) => p.pid).join(', ')} in view ${v} form a cycle; cut at PID ${cut.pid}`,
        { pids: cycle.map((p) => p.pid) },
        v,
      );
      cut.parent = null;
    }
    for (const p of path) state.set(p.pid, 2);
  }
}
