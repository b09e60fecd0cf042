// What one side of a diff looks like to the matcher: per namespace its members (without
// transient processes), the multiset of their commands, the init's command, the distro
// name the roles found, a fingerprint of the whole subtree, and for PID namespaces which
// namespaces of other types the init shares with its parent's init.

import { NS_TYPES, type NsType } from '../procfs/ns-link.js';
import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';
import type { Sharing } from './types.js';

export interface NsFeatures {
  node: NamespaceNode;
  members: ProcessNode[];
  /** command key -> count; see commandKey. */
  commands: Map<string, number>;
  memberCount: number;
  init: string | null;
  distro: string | null;
  /** Hash of the commands, sorted. */
  commandsHash: string;
  /** Hash of this namespace's own features and its children's subtree hashes. */
  subtree: string;
  /** Other namespace types: the PID namespaces of the members (outermost first). */
  owners: string[];
  /** PID namespaces: sharing with the parent's init, per other type. */
  sharing: Partial<Record<NsType, Sharing>>;
}

export interface Side {
  analysis: Analysis;
  hidden: Set<string>;
  ns: Map<string, NsFeatures>;
  procs: Map<string, ProcessNode>;
  /** Namespaces per type, in the analysis order. */
  byType: Map<NsType, NsFeatures[]>;
  visibleProcesses: number;
  acrossBoots: boolean;
}

const SEP = '\u0000';

/**
 * Processes compare by command and command line; PIDs never. Across boots a PID inside a
 * process name (WSL names its relays `Relay(<pid>)`) is replaced by `*`, since it is new
 * on every boot like every other PID.
 */
export function commandKey(p: ProcessNode, acrossBoots = false): string {
  const comm = acrossBoots ? p.comm.replace(/\(\d+\)$/, '(*)') : p.comm;
  return `${comm}${SEP}${p.cmdline ?? ''}`;
}

export function splitCommandKey(key: string): { comm: string; cmdline: string | null } {
  const i = key.indexOf(SEP);
  const cmdline = key.slice(i + 1);
  return { comm: key.slice(0, i), cmdline: cmdline === '' ? null : cmdline };
}

/** Two 32-bit FNV-style hashes of a string. */
function hashPair(text: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 ^ c, 2246822519);
  }
  return [h1 >>> 0, h2 >>> 0];
}

/**
 * A 64-bit string hash as base-36 text, for fingerprints: equal fingerprints are paired
 * without scoring, so a collision (odds about 2^-64 a pair) could pair two look-alikes.
 */
export function hash(text: string): string {
  const [h1, h2] = hashPair(text);
  return `${h1.toString(36)}.${h2.toString(36)}`;
}

// The roles' evidence names a distro as "distro NAME from …" or "paired with ID (NAME, from …)".
const DISTRO_EVIDENCE = /: distro (\S+) from /;

function distroOf(n: NamespaceNode): string | null {
  for (const e of n.evidence) {
    const m = DISTRO_EVIDENCE.exec(e);
    if (m) return m[1] as string;
  }
  return null;
}

export function buildSide(analysis: Analysis, hidden: Set<string>, acrossBoots: boolean): Side {
  const procs = new Map(analysis.processes.map((p) => [p.id, p]));
  // One key per process, not per membership: every process is a member of eight namespaces,
  // so each membership costs one map lookup (process, key, hidden) instead of three.
  const visible = new Map<string, { p: ProcessNode; key: string }>();
  for (const p of analysis.processes) if (!hidden.has(p.id)) visible.set(p.id, { p, key: commandKey(p, acrossBoots) });
  const ns = new Map<string, NsFeatures>();
  const keyHash = new Map<string, [number, number]>();
  const byType = new Map<NsType, NsFeatures[]>();
  for (const node of analysis.namespaces) {
    const members: ProcessNode[] = [];
    const commands = new Map<string, number>();
    for (const id of node.processes) {
      const v = visible.get(id);
      if (!v) continue;
      members.push(v.p);
      commands.set(v.key, (commands.get(v.key) ?? 0) + 1);
    }
    const initNode = node.init ? procs.get(node.init) : undefined;
    // Order-free hash of the multiset: a sum of per-command hashes, each hashed once.
    let h1 = 0;
    let h2 = 0;
    for (const [k, c] of commands) {
      let kh = keyHash.get(k);
      if (kh === undefined) keyHash.set(k, (kh = hashPair(k)));
      h1 = (h1 + Math.imul(kh[0], 2 * c + 1)) | 0;
      h2 = (h2 + Math.imul(kh[1] ^ c, 0x9e3779b1)) | 0;
    }
    const f: NsFeatures = {
      node,
      members,
      commands,
      memberCount: members.length,
      init: initNode ? commandKey(initNode, acrossBoots) : null,
      distro: distroOf(node),
      commandsHash: `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`,
      subtree: '',
      owners: [],
      sharing: {},
    };
    ns.set(node.id, f);
    const list = byType.get(node.type);
    if (list) list.push(f);
    else byType.set(node.type, [f]);
  }
  // Subtree hashes bottom-up, memoised; the guard stops a malformed cycle.
  const subtreeOf = (f: NsFeatures, depth: number): string => {
    if (f.subtree !== '' || depth > 64) return f.subtree;
    const kids = f.node.children
      .map((id) => {
        const k = ns.get(id);
        return k ? subtreeOf(k, depth + 1) : '';
      })
      .sort()
      .join(',');
    f.subtree = hash(`${f.node.role}|${f.node.label}|${f.init ?? ''}|${f.commandsHash}|${kids}`);
    return f.subtree;
  };
  for (const f of ns.values()) subtreeOf(f, 0);
  for (const f of ns.values()) {
    if (f.node.type === 'pid') continue;
    const owners = new Map<string, number>();
    for (const p of f.members) {
      const pidNs = p.ns.pid;
      if (pidNs) owners.set(pidNs, ns.get(pidNs)?.node.depth ?? 0);
    }
    f.owners = [...owners.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
  }
  const homes = new Map<string, string | null>();
  const home = (f: NsFeatures, type: NsType): string | null => {
    const key = `${f.node.id} ${type}`;
    if (!homes.has(key)) homes.set(key, homeOf(f, type, procs));
    return homes.get(key) ?? null;
  };
  for (const f of byType.get('pid') ?? []) f.sharing = sharingOf(f, ns, home);
  return { analysis, hidden, ns, procs, byType, visibleProcesses: analysis.processes.length - hidden.size, acrossBoots };
}

/** The namespace of `type` a PID namespace lives in: its init's, else the commonest among members (memoised by the caller). */
function homeOf(f: NsFeatures, type: NsType, procs: Map<string, ProcessNode>): string | null {
  const init = f.node.init ? procs.get(f.node.init) : undefined;
  const own = init?.ns[type];
  if (own) return own;
  const counts = new Map<string, number>();
  for (const p of f.members) {
    const id = p.ns[type];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  let best: string | null = null;
  let most = 0;
  for (const [id, n] of counts) {
    if (n > most || (n === most && best !== null && id < best)) {
      best = id;
      most = n;
    }
  }
  return best;
}

function sharingOf(
  f: NsFeatures,
  ns: Map<string, NsFeatures>,
  home: (f: NsFeatures, type: NsType) => string | null,
): Partial<Record<NsType, Sharing>> {
  const parent = f.node.parent ? ns.get(f.node.parent) : undefined;
  const out: Partial<Record<NsType, Sharing>> = {};
  if (!parent) return out;
  for (const type of NS_TYPES) {
    if (type === 'pid') continue;
    const mine = home(f, type);
    const theirs = home(parent, type);
    out[type] = mine === null || theirs === null ? 'unknown' : mine === theirs ? 'shared' : 'own';
  }
  return out;
}

/** Σmin / Σmax of two command multisets: 1 for equal, 0 for disjoint; two empty sets are equal. */
export function multisetSimilarity(a: Map<string, number>, b: Map<string, number>, sizeA: number, sizeB: number): number {
  if (sizeA === 0 && sizeB === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const [k, n] of small) {
    const m = large.get(k);
    if (m !== undefined) common += Math.min(n, m);
  }
  return common / (sizeA + sizeB - common);
}
