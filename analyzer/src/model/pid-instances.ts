// Which namespace an inode means in each view. The kernel reuses PID namespace inodes at
// once, so a number alone is not an identity: the start time of the namespace's init
// tells instances apart (NS_REUSED). Also the order and parsing of instance names.

import type { ViewData } from '../snapshot/view-data.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { Instances } from './pid-types.js';
import type { VProc } from './view-procs.js';

/**
 * An inode names one namespace only while that namespace lives; the kernel hands the
 * number out again at once. So each view's readable ns/pid links are grouped by inode,
 * and the start time of the group's init (PID 1 inside, stat field 22) witnesses which
 * instance it is. Views whose witnesses differ see different namespaces: the oldest
 * keeps the key `i:<inode>`, the others become `i:<inode>~2`, `~3`, … by start time,
 * and NS_REUSED names them. A view that sees members but not their init is placed by
 * elimination (members start no earlier than their init); when that does not decide,
 * it gets an instance of its own, `i:<inode>~v<view>`.
 */
export function resolveInstances(views: ViewData[], procs: Map<number, VProc>[], diags: DiagnosticSink): Instances {
  interface Group {
    members: VProc[];
    init: VProc | null;
  }
  const perView = procs.map((m) => {
    const groups = new Map<number, Group>();
    for (const p of m.values()) {
      const inode = p.rec.ns.pid;
      if (inode === undefined) continue;
      let g = groups.get(inode);
      if (!g) groups.set(inode, (g = { members: [], init: null }));
      g.members.push(p);
      if (p.last === 1 && g.init === null && p.starttime !== null) g.init = p;
    }
    return groups;
  });
  const keys = new Map<string, string>();
  const reused = new Set<number>();
  const inodes = [...new Set(perView.flatMap((g) => [...g.keys()]))].sort((a, b) => a - b);
  for (const inode of inodes) {
    const seen: { v: number; g: Group }[] = [];
    perView.forEach((groups, v) => {
      const g = groups.get(inode);
      if (g) seen.push({ v, g });
    });
    const witnesses = [...new Set(seen.map((s) => s.g.init?.starttime).filter((t): t is number => t !== undefined && t !== null))].sort(
      (a, b) => a - b,
    );
    if (witnesses.length <= 1) continue;
    reused.add(inode);
    const keyOf = new Map(witnesses.map((w, i) => [w, i === 0 ? `i:${inode}` : `i:${inode}~${i + 1}`]));
    const lines: string[] = [];
    const shown = new Set<number>();
    for (const { v, g } of seen) {
      let key: string;
      if (g.init !== null) {
        key = keyOf.get(g.init.starttime as number) as string;
        if (!shown.has(g.init.starttime as number)) {
          shown.add(g.init.starttime as number);
          lines.push(
            `in view ${v} (${views[v]?.label ?? '?'}) its init is PID ${g.init.pid} (${g.init.comm}) started at ${g.init.starttime}: pid:${key.slice(2)}`,
          );
        }
      } else {
        const starts = g.members.map((p) => p.starttime).filter((t): t is number => t !== null);
        const earliest = starts.length > 0 ? Math.min(...starts) : null;
        const possible = earliest === null ? [] : witnesses.filter((w) => w <= earliest);
        key = possible.length === 1 ? (keyOf.get(possible[0] as number) as string) : `i:${inode}~v${v}`;
        lines.push(`view ${v} (${views[v]?.label ?? '?'}) sees members but not the init: pid:${key.slice(2)}`);
      }
      keys.set(`${v}|${inode}`, key);
    }
    diags.add(
      'NS_REUSED',
      `inode ${inode} names ${witnesses.length} different PID namespaces, whose inits started at different times (the namespace died and the kernel reused its inode between the captures); they are kept apart: ${lines.join('; ')}`,
      {
        inode,
        views: seen.map((s) => s.v),
        ids: [...new Set([...keys.entries()].filter(([k]) => k.endsWith(`|${inode}`)).map(([, key]) => `pid:${key.slice(2)}`))].sort(),
        initStarttimes: witnesses,
      },
    );
  }
  return {
    key(v, inode) {
      return keys.get(`${v}|${inode}`) ?? (reused.has(inode) ? `i:${inode}~v${v}` : `i:${inode}`);
    },
    witness(v, inode) {
      return perView[v]?.get(inode)?.init?.starttime ?? null;
    },
  };
}

/** "4026532257~2" -> 4026532257. */
export function instanceInode(instance: string): number {
  const i = instance.indexOf('~');
  return Number(i === -1 ? instance : instance.slice(0, i));
}

/** By inode, then the first instance (no suffix), then "~2" < "~3" < … < "~v0" < "~v1". */
export function compareInstances(a: string, b: string): number {
  const d = instanceInode(a) - instanceInode(b);
  if (d !== 0) return d;
  const rank = (s: string): [number, number] => {
    const i = s.indexOf('~');
    if (i === -1) return [0, 0];
    const tail = s.slice(i + 1);
    return tail.startsWith('v') ? [2, Number(tail.slice(1))] : [1, Number(tail)];
  };
  const [x, y] = [rank(a), rank(b)];
  return x[0] - y[0] || x[1] - y[1];
}
