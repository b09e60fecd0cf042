// Namespaces of the other seven types have no init whose start time could witness which
// instance of a reused inode a view saw. They travel with a PID namespace instead: a
// container's mnt, ipc and uts namespaces are made with its PID namespace and die with
// it. So when the PID namespace's inode was reused (NS_REUSED), an inode of another type
// whose members each belong to exactly one of those PID namespace instances (as a member,
// or as the direct parent of its init: the creator, such as `unshare --fork`) is split
// the same way.
// A namespace that also holds anything else (the host's mount namespace, shared by both
// containers) is one namespace and stays one.

import type { NsType } from '../procfs/ns-link.js';
import type { DiagnosticSink } from './diagnostics.js';
import { compareInstances } from './pid-instances.js';

export interface OtherInput<G> {
  /** Inode and view of each other-type link of a process, where one was readable. */
  links(g: G): Partial<Record<NsType, { inode: number; view: number }>>;
  /** The PID namespace id of the process when that namespace is one instance of a reused inode. */
  era(g: G): string | undefined;
  /** The init of that PID namespace instance, when seen. */
  eraInit(era: string): G | undefined;
  parent(g: G): G | null;
  views(g: G): number[];
}

export interface OtherInstanceIds<G> {
  /** The instance id of the process's namespace of `type`, when the inode was split. */
  idOf(g: G, type: NsType): string | undefined;
  /** The instance that view `view` saw of a split inode, or null when it was not split. */
  idInView(type: NsType, inode: number, view: number): string | null;
}

export function otherInstances<G>(members: Iterable<G>, input: OtherInput<G>, diags: DiagnosticSink): OtherInstanceIds<G> {
  // Only an inode that some member of a reused PID namespace links to can be split: find
  // those first (none at all in the usual capture), then gather each one's members.
  const all = [...members];
  const candidates = new Set<string>();
  for (const g of all) {
    if (input.era(g) === undefined) continue;
    for (const [type, link] of Object.entries(input.links(g))) candidates.add(`${type}:${link.inode}`);
  }
  const groups = new Map<string, { type: NsType; inode: number; members: G[] }>();
  if (candidates.size > 0) {
    for (const g of all) {
      for (const [type, link] of Object.entries(input.links(g)) as [NsType, { inode: number; view: number }][]) {
        const key = `${type}:${link.inode}`;
        if (!candidates.has(key)) continue;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { type, inode: link.inode, members: [] }));
        group.members.push(g);
      }
    }
  }
  const idOf = new Map<G, Map<NsType, string>>();
  const inView = new Map<string, string>();
  // Only the init's direct parent counts as the creator: further ancestors (a shell, the
  // host's init) were there before and stay after.
  const creator = (era: string): G | null => {
    const init = input.eraInit(era);
    return init === undefined ? null : input.parent(init);
  };
  for (const [base, group] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const eras = [...new Set(group.members.map((g) => input.era(g)).filter((e): e is string => e !== undefined))];
    if (eras.length < 2) continue;
    const assigned = new Map<G, string>();
    let shared = false;
    for (const g of group.members) {
      const own = input.era(g);
      const era = own ?? single(eras.filter((e) => creator(e) === g));
      if (era === undefined) {
        shared = true;
        break;
      }
      assigned.set(g, era);
    }
    if (shared) continue;
    eras.sort((a, b) => compareInstances(a.slice(a.indexOf(':') + 1), b.slice(b.indexOf(':') + 1)));
    const idOfEra = new Map(eras.map((e, i) => [e, i === 0 ? base : `${base}~${i + 1}`]));
    for (const [g, era] of assigned) {
      const id = idOfEra.get(era) as string;
      let m = idOf.get(g);
      if (!m) idOf.set(g, (m = new Map()));
      m.set(group.type, id);
      for (const v of input.views(g)) if (!inView.has(`${base}|${v}`)) inView.set(`${base}|${v}`, id);
    }
    diags.add(
      'NS_REUSED',
      `${base} travels with ${eras.join(' and ')}, which are different PID namespaces under one reused inode; it is kept apart the same way: ${eras.map((e) => `${idOfEra.get(e)} with ${e}`).join(', ')}`,
      { ids: [...idOfEra.values()], with: eras },
    );
  }
  return {
    idOf: (g, type) => idOf.get(g)?.get(type),
    idInView: (type, inode, view) => (inView.size === 0 ? null : (inView.get(`${type}:${inode}|${view}`) ?? null)),
  };
}

function single<T>(list: T[]): T | undefined {
  return list.length === 1 ? list[0] : undefined;
}
