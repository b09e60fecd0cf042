// Views built in memory from the same process facts as fake-proc.ts, for property tests
// that build thousands of small views: no files, so nothing to clean up.

import { newProcRecord, type ViewData } from '../../src/snapshot/view-data.js';
import type { NsLinkName } from '../../src/procfs/ns-link.js';
import type { FakeProc } from './fake-proc.js';

export function memView(procs: FakeProc[], opts: { bootId?: string | null; label?: string; self?: number } = {}): ViewData {
  const map = new Map<number, ReturnType<typeof newProcRecord>>();
  for (const p of procs) {
    const rec = newProcRecord(p.pid);
    const nspid = p.nspid === undefined ? [p.pid] : p.nspid;
    rec.status = { name: p.comm ?? 'proc', pid: p.pid, ppid: p.ppid, tgid: p.pid, uid: p.uid ?? 0, nspid, state: 'S' };
    rec.stat = { comm: p.comm ?? 'proc', state: 'S', ppid: p.ppid, starttime: p.starttime ?? 1000 + p.pid };
    rec.comm = p.comm ?? 'proc';
    rec.cmdline = p.cmdline ?? null;
    for (const [link, inode] of Object.entries(p.ns ?? {})) rec.ns[link as NsLinkName] = inode;
    map.set(p.pid, rec);
  }
  return {
    source: opts.label ?? 'mem',
    kind: 'proc-dir',
    manifest: null,
    label: opts.label ?? 'mem',
    bootId: opts.bootId === undefined ? '11111111-2222-3333-4444-555555555555' : opts.bootId,
    hostname: 'memhost',
    kernelRelease: '6.1.0-test',
    kernelVersion: null,
    selfPid: opts.self ?? null,
    euid: 0,
    procs: map,
    lsns: null,
    wslconfig: null,
    problems: [],
    denied: [],
    vanished: [],
  };
}
