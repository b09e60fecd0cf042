// A tiny "machine" for role tests: processes described once, at the outermost level, and
// projected into the view a collector would see from any PID namespace (NSpid cut to
// that level, PPid 0 when the parent is outside, links as the kernel shows them).

import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import type { NsLinkName } from '../../src/procfs/ns-link.js';
import type { IniSections, KeyValues } from '../../src/procfs/os-release.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import type { ProcRecord, ViewData } from '../../src/snapshot/view-data.js';
import { applyRoles, loadRules, type RuleSet } from '../../src/roles/index.js';

export const ROOT = 4026531836;

export interface WProc {
  /** PIDs outermost first, from the root PID namespace of the world. */
  nspid: number[];
  /** Outer PID of the parent; 0 for none. */
  ppid: number;
  /** Inode of its PID namespace. */
  ns: number;
  comm: string;
  cmdline?: string[];
  uid?: number;
  cgroup?: string[];
  osRelease?: KeyValues;
  wslConf?: IniSections;
  links?: Partial<Record<NsLinkName, number>>;
}

export interface World {
  /** PID namespace inode -> parent inode (null for the root). */
  nsParent: Record<number, number | null>;
  procs: WProc[];
  bootId?: string;
  kernel?: string;
  hostname?: string;
}

export interface ViewOptions {
  source?: string;
  env?: Record<string, string | boolean>;
  /** Outer PID of the collector. */
  self?: number;
  wslconfig?: IniSections;
}

function depthOf(world: World, ns: number): number {
  let d = 0;
  let cur: number | null | undefined = world.nsParent[ns];
  while (cur !== null && cur !== undefined) {
    d += 1;
    cur = world.nsParent[cur];
  }
  return d;
}

function within(world: World, ns: number, root: number): boolean {
  let cur: number | null | undefined = ns;
  while (cur !== null && cur !== undefined) {
    if (cur === root) return true;
    cur = world.nsParent[cur];
  }
  return false;
}

export function ini(sections: Record<string, Record<string, string>>): IniSections {
  const out = Object.create(null) as IniSections;
  for (const [s, kv] of Object.entries(sections)) out[s] = Object.assign(Object.create(null) as KeyValues, kv);
  return out;
}

export function kv(values: Record<string, string>): KeyValues {
  return Object.assign(Object.create(null) as KeyValues, values);
}

/** What a collector rooted in PID namespace `root` would capture. */
export function project(world: World, root: number, opts: ViewOptions = {}): ViewData {
  const d = depthOf(world, root);
  const byOuter = new Map(world.procs.map((p) => [p.nspid[0] as number, p]));
  const procs = new Map<number, ProcRecord>();
  for (const p of world.procs) {
    if (!within(world, p.ns, root)) continue;
    const nspid = p.nspid.slice(d);
    const pid = nspid[0] as number;
    const parent = byOuter.get(p.ppid);
    const ppid = parent && within(world, parent.ns, root) ? (parent.nspid[d] as number) : 0;
    procs.set(pid, {
      pid,
      status: { name: p.comm, pid, ppid, tgid: pid, uid: p.uid ?? 0, nspid, state: 'S' },
      stat: { comm: p.comm, state: 'S', ppid, starttime: 100_000 + (p.nspid[0] as number) },
      comm: p.comm,
      cmdline: p.cmdline ?? [],
      cgroup: p.cgroup ?? ['0::/'],
      ns: { pid: p.ns, ...(p.links ?? {}) },
      osRelease: p.osRelease ?? null,
      wslConf: p.wslConf ?? null,
    });
  }
  const selfProc = opts.self !== undefined ? byOuter.get(opts.self) : undefined;
  const selfPid = selfProc ? (selfProc.nspid[d] as number) : null;
  const manifest: Manifest | null =
    opts.env === undefined
      ? null
      : {
          format: 'nsnap-snapshot',
          format_version: 1,
          collector: { name: 'nsnap-collect.sh', version: '0.1.0' },
          label: opts.source ?? `view-${root}`,
          capture: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:01Z' },
          source: { live: true },
          view: { boot_id: world.bootId ?? 'b0', self_pid: selfPid },
          env: opts.env,
          counts: { processes: procs.size },
          denied: [],
          vanished: [],
        };
  return {
    source: opts.source ?? `view-${root}`,
    kind: 'snapshot-dir',
    manifest,
    label: opts.source ?? `view-${root}`,
    bootId: world.bootId ?? 'b0',
    hostname: world.hostname ?? 'box',
    kernelRelease: world.kernel ?? '6.1.0-generic',
    kernelVersion: null,
    selfPid,
    euid: 0,
    procs,
    lsns: null,
    wslconfig: opts.wslconfig ?? null,
    problems: [],
    denied: [],
    vanished: [],
  };
}

let builtin: RuleSet | null = null;
export function builtinRules(): RuleSet {
  return (builtin ??= loadRules([]));
}

export function analyse(views: ViewData[], rules: RuleSet = builtinRules()): Analysis {
  const a = buildAnalysis(views);
  applyRoles(a, views, rules);
  return a;
}

export function ns(a: Analysis, id: string): Analysis['namespaces'][number] {
  const n = a.namespaces.find((x) => x.id === id);
  if (!n) throw new Error(`no namespace ${id}; have ${a.namespaces.map((x) => x.id).join(', ')}`);
  return n;
}

/** Kernel threads as the root namespace shows them. */
export function kthreads(count = 3): WProc[] {
  const out: WProc[] = [{ nspid: [2], ppid: 0, ns: ROOT, comm: 'kthreadd' }];
  for (let i = 0; i < count; i += 1) out.push({ nspid: [3 + i], ppid: 2, ns: ROOT, comm: `kworker/${i}:0` });
  return out;
}
