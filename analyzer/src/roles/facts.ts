// What rules look at, gathered once per analysis: for each process the fields a rule
// can test (some only in ViewData: cgroup, argv, os-release, wsl.conf), and for each PID
// namespace its members, init, the init's parent, the views rooted there, the distro
// name and the systemd layout.

import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';
import type { KeyValues, IniSections } from '../procfs/os-release.js';
import type { ProcRecord, ViewData } from '../snapshot/view-data.js';
import { INITIAL_INODES } from '../procfs/ns-link.js';
import { cgroupPath, containerFromCgroup, type CgroupId } from './cgroup-ids.js';
import { MAX_INPUT } from './string-match.js';

export interface ProcFacts {
  node: ProcessNode;
  comm: string;
  /** argv joined by spaces ('' for kernel threads and zombies). */
  cmdline: string;
  /** basename of argv[0] ('' when there is no cmdline). */
  exe: string;
  /**
   * The arguments as words: argv without empty entries, or, when a process rewrote its
   * title into one argv entry (Chromium, LXC's monitor), that entry split at whitespace.
   */
  words: string[];
  /** The command line trimmed and with runs of whitespace as one space. */
  title: string;
  uid: number | null;
  /** PID inside its own namespace. */
  pid: number;
  /** cgroup paths (the part after the second ':'). */
  cgroups: string[];
  kernelThread: boolean;
  osRelease: KeyValues | null;
  wslConf: IniSections | null;
}

export interface Sourced<T> {
  value: T;
  /** Where it came from, for evidence: "226@pid:4026531836 root/etc/os-release". */
  from: string;
}

export interface NsFacts {
  node: NamespaceNode;
  members: ProcFacts[];
  init: ProcFacts | null;
  initParent: ProcFacts | null;
  /** The init's parent, its parent and so on, nearest first (at most MAX_ANCESTORS). */
  initAncestors: ProcFacts[];
  /**
   * The initial PID namespace of the machine: inode 4026531836, or, when its ns links
   * were unreadable, the outermost namespace showing kernel threads (only the initial
   * PID namespace sees them). Only `host` and `wsl-vm` rules may match it.
   */
  initial: boolean;
  /** Hostnames of views whose procfs belongs to this namespace, sorted, no duplicates. */
  hostnames: string[];
  /** Indexes of views whose procfs belongs to this namespace. */
  rootedViews: number[];
  env: Sourced<Record<string, string>>[];
  osRelease: Sourced<KeyValues> | null;
  wslConf: Sourced<IniSections> | null;
  kernel: string | null;
  /** cgroup paths of the init, or of every member when the init is not seen. */
  cgroups: Sourced<string>[];
  container: CgroupId | null;
  distro: Sourced<string> | null;
  /** Distro names the collector recorded (manifest wsl.distro) in views rooted here. */
  declaredDistro: Sourced<string>[];
  /** From the process layout: systemd as PID 1 (on) or WSL's /init as PID 1 (off). */
  systemd: Sourced<boolean> | null;
}

export interface Facts {
  procs: Map<string, ProcFacts>;
  namespaces: Map<string, NsFacts>;
  /** PID namespaces parents first (depth, then id order of the analysis). */
  pidOrder: NsFacts[];
}

/** How far up from a namespace's init `initAncestor` looks. */
const MAX_ANCESTORS = 16;

const SYSTEMD_CMDS = ['/sbin/init', '/lib/systemd/systemd', '/usr/lib/systemd/systemd', '/usr/sbin/init'];

export function gatherFacts(analysis: Analysis, views: ViewData[]): Facts {
  const nsById = new Map(analysis.namespaces.map((n) => [n.id, n]));
  const viewRootDepth = analysis.views.map((v) => (v.pidNamespace ? (nsById.get(v.pidNamespace)?.depth ?? null) : null));
  const nodeById = new Map(analysis.processes.map((p) => [p.id, p]));
  const procs = new Map<string, ProcFacts>();
  for (const node of analysis.processes) {
    const recs = recordsOf(node, views, viewRootDepth);
    const argv = recs.find((r) => r.cmdline !== null)?.cmdline ?? (node.cmdline ? node.cmdline.split(' ') : []);
    const cmdline = clip(argv.join(' '));
    const first = argv[0] ?? '';
    const words = wordsOf(argv);
    const parent = node.parent ? nodeById.get(node.parent) : undefined;
    procs.set(node.id, {
      node,
      comm: clip(node.comm),
      cmdline,
      // A title rewritten into one argv entry (padded with NULs or not) names its program first.
      exe: basename(argv.filter((a) => a !== '').length === 1 ? (words[0] ?? '') : first),
      words,
      title: clip(words.join(' ')),
      uid: node.uid,
      pid: node.nspid[node.nspid.length - 1] as number,
      cgroups: (recs.find((r) => r.cgroup !== null)?.cgroup ?? []).map((l) => clip(cgroupPath(l))),
      kernelThread:
        (node.comm === 'kthreadd' && node.ppid === 0) || (parent !== undefined && parent.comm === 'kthreadd' && parent.ppid === 0),
      osRelease: recs.find((r) => r.osRelease !== null)?.osRelease ?? null,
      wslConf: recs.find((r) => r.wslConf !== null)?.wslConf ?? null,
    });
  }

  // Rules judge PID namespaces only; the other types inherit a role (apply.ts), so their
  // member lists are never gathered here (at 10k processes those were 70k facts each run).
  const namespaces = new Map<string, NsFacts>();
  const order = new Map<NamespaceNode, number>();
  for (const node of analysis.namespaces) {
    if (node.type !== 'pid') continue;
    order.set(node, order.size);
    const members = node.processes.map((id) => procs.get(id)).filter((p): p is ProcFacts => p !== undefined);
    const init = node.init ? (procs.get(node.init) ?? null) : null;
    const initParent = init?.node.parent ? (procs.get(init.node.parent) ?? null) : null;
    const initAncestors: ProcFacts[] = [];
    for (let p = initParent; p !== null && initAncestors.length < MAX_ANCESTORS;) {
      if (initAncestors.includes(p)) break;
      initAncestors.push(p);
      p = p.node.parent ? (procs.get(p.node.parent) ?? null) : null;
    }
    const rootedViews = analysis.views.filter((v) => v.pidNamespace === node.id && node.type === 'pid').map((v) => v.index);
    const env = rootedViews.flatMap((v) => {
      const raw = views[v]?.manifest?.env;
      if (!raw) return [];
      const value = Object.create(null) as Record<string, string>;
      for (const [k, x] of Object.entries(raw)) if (typeof x === 'string') value[k] = clip(x);
      return [{ value, from: `view ${v} (${views[v]?.label ?? '?'})` }];
    });
    const declaredDistro = rootedViews.flatMap((v) => {
      const d = views[v]?.manifest?.wsl?.distro;
      if (!d || d.cut === true || d.name === '') return [];
      return [{ value: clip(d.name), from: `${clip(d.from)} in view ${v} (${views[v]?.label ?? '?'})` }];
    });
    const withFile = (key: 'osRelease' | 'wslConf'): ProcFacts | undefined =>
      (init && init[key] !== null ? init : undefined) ?? members.find((p) => p[key] !== null);
    const osOwner = withFile('osRelease');
    const confOwner = withFile('wslConf');
    const cgroupOwners = init ? [init] : members;
    const cgroups = cgroupOwners.flatMap((p) => p.cgroups.map((c) => ({ value: c, from: p.node.id })));
    const kernels = node.views.map((v) => views[v]?.kernelRelease ?? null).filter((k): k is string => k !== null);
    const initial =
      node.inode === INITIAL_INODES.pid || (node.inode === null && node.parent === null && members.some((p) => p.kernelThread));
    const hostnames = [...new Set(rootedViews.map((v) => views[v]?.hostname ?? '').filter((h) => h !== ''))].sort();
    namespaces.set(node.id, {
      node,
      members,
      init,
      initParent,
      initAncestors,
      initial,
      hostnames,
      rootedViews,
      env,
      osRelease: osOwner ? { value: osOwner.osRelease as KeyValues, from: `${osOwner.node.id} root/etc/os-release` } : null,
      wslConf: confOwner ? { value: confOwner.wslConf as IniSections, from: `${confOwner.node.id} root/etc/wsl.conf` } : null,
      kernel: kernels.sort()[0] ?? null,
      cgroups,
      container: firstContainer(cgroups),
      distro: null,
      declaredDistro,
      systemd: init ? systemdLayout(init, members) : null,
    });
  }
  for (const f of namespaces.values()) f.distro = distroName(f);
  const pidOrder = [...namespaces.values()].sort(
    (a, b) => (a.node.depth ?? 0) - (b.node.depth ?? 0) || (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0),
  );
  return { procs, namespaces, pidOrder };
}

/** The first container named by the cgroup paths, scanning no further than needed. */
function firstContainer(cgroups: Sourced<string>[]): CgroupId | null {
  for (const c of cgroups) {
    const id = containerFromCgroup(c.value);
    if (id !== null) return id;
  }
  return null;
}

/** The ProcRecords behind a process node, one per view that saw it. */
function recordsOf(node: ProcessNode, views: ViewData[], rootDepth: (number | null)[]): ProcRecord[] {
  const out: ProcRecord[] = [];
  for (const v of node.views) {
    const depth = rootDepth[v];
    if (depth === null || depth === undefined) continue;
    const k = depth - node.nspidDepth;
    const pid = node.nspid[k];
    if (pid === undefined) continue;
    const rec = views[v]?.procs.get(pid);
    const nspid = rec?.status?.nspid;
    // A record belongs to this node only if its NSpid is the matching suffix.
    if (rec && (!nspid || nspid.length === node.nspid.length - k)) out.push(rec);
  }
  return out;
}

export function isSystemdInit(p: ProcFacts): boolean {
  return p.comm === 'systemd' || SYSTEMD_CMDS.some((c) => p.cmdline === c || p.cmdline.startsWith(`${c} `));
}

function systemdLayout(init: ProcFacts, members: ProcFacts[]): Sourced<boolean> | null {
  if (isSystemdInit(init)) {
    const wslInit = members.find((p) => p.pid === 2 && p.cmdline === '/init');
    if (wslInit)
      return { value: true, from: `PID 1 ${init.cmdline || init.comm} (${init.node.id}), WSL /init as PID 2 (${wslInit.node.id})` };
    return { value: true, from: `PID 1 ${init.cmdline || init.comm} (${init.node.id})` };
  }
  if (init.cmdline === '/init') return { value: false, from: `PID 1 is WSL's /init (${init.node.id})` };
  return null;
}

/**
 * WSL_DISTRO_NAME of a view rooted here, else the name its collector recorded, else WSL's
 * own name for the distro in its init's comm (`init(NAME)`, `init-systemd(NAME)`; cut at
 * 15 bytes, so only a complete one counts), else os-release NAME and VERSION_ID.
 */
function distroName(f: NsFacts): Sourced<string> | null {
  for (const e of f.env) {
    const name = e.value.WSL_DISTRO_NAME;
    if (name) return { value: name, from: `WSL_DISTRO_NAME in ${e.from}` };
  }
  if (f.declaredDistro[0]) return f.declaredDistro[0];
  const wslInit = [f.init, ...f.members.filter((p) => p.pid === 2)].find((p) => p !== null && /^init(-systemd)?\(.+\)$/.test(p.comm));
  if (wslInit)
    return { value: wslInit.comm.replace(/^init(-systemd)?\(/, '').slice(0, -1), from: `comm '${wslInit.comm}' of ${wslInit.node.id}` };
  const os = f.osRelease?.value;
  if (os && f.osRelease) {
    const name = os.NAME ?? os.ID;
    if (!name) return null;
    const version = os.VERSION_ID;
    // "Ubuntu" + "20.04" -> "Ubuntu-20.04", the way WSL names store distros; names with
    // spaces ("Debian GNU/Linux") keep a space.
    const value = version ? `${name}${/\s/.test(name) ? ' ' : '-'}${version}` : name;
    return { value, from: `os-release of ${f.osRelease.from.replace(' root/etc/os-release', '')}` };
  }
  return null;
}

/** At most this many words are kept per process (conmon has about 40 arguments). */
const MAX_WORDS = 256;

function wordsOf(argv: string[]): string[] {
  const kept = argv.filter((a) => a !== '');
  const words =
    kept.length === 1
      ? (kept[0] as string)
          .slice(0, MAX_INPUT)
          .split(/\s+/)
          .filter((w) => w !== '')
      : kept;
  return words.slice(0, MAX_WORDS).map(clip);
}

/**
 * The value of an option in a process's words: `-X VALUE` for a one-letter name,
 * `--name=VALUE` or `--name VALUE` (also with one dash, as conmon and containerd-shim
 * write them) for a longer one. The first occurrence wins; null when absent or empty.
 */
export function optionValue(words: string[], name: string): string | null {
  const dashes = name.length === 1 ? ['-'] : ['--', '-'];
  for (let i = 1; i < words.length; i += 1) {
    const w = words[i] as string;
    for (const d of dashes) {
      const flag = `${d}${name}`;
      if (w === flag) {
        const v = words[i + 1];
        return v !== undefined && v !== '' && !(v.startsWith('-') && v.length > 1) ? v : null;
      }
      if (name.length > 1 && w.startsWith(`${flag}=`)) return w.slice(flag.length + 1) || null;
    }
  }
  return null;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? p : p.slice(i + 1);
}

function clip(s: string): string {
  return s.length > MAX_INPUT ? s.slice(0, MAX_INPUT) : s;
}
