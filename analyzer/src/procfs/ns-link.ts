// Namespace links: /proc/PID/ns/<name> -> "<type>:[<inode>]". The vocabulary of types
// and link names lives here and nowhere else.

export const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NsType = (typeof NS_TYPES)[number];

export const NS_LINK_NAMES = [
  'cgroup',
  'ipc',
  'mnt',
  'net',
  'pid',
  'pid_for_children',
  'time',
  'time_for_children',
  'user',
  'uts',
] as const;
export type NsLinkName = (typeof NS_LINK_NAMES)[number];

const LINK_NAME_SET = new Set<string>(NS_LINK_NAMES);
const TYPE_SET = new Set<string>(NS_TYPES);

export function isNsLinkName(name: string): name is NsLinkName {
  return LINK_NAME_SET.has(name);
}

export function isNsType(name: string): name is NsType {
  return TYPE_SET.has(name);
}

const LINK_TYPE: Record<NsLinkName, NsType> = {
  cgroup: 'cgroup',
  ipc: 'ipc',
  mnt: 'mnt',
  net: 'net',
  pid: 'pid',
  pid_for_children: 'pid',
  time: 'time',
  time_for_children: 'time',
  user: 'user',
  uts: 'uts',
};

/** The namespace type a link points to: pid_for_children -> pid. */
export function linkType(name: NsLinkName): NsType {
  return LINK_TYPE[name];
}

/** "<type>:[<inode>]": inodes are 32-bit on most filesystems, 64-bit on some; up to 16 digits, below 2^53. */

export interface NsTarget {
  type: NsType;
  inode: number;
}

export function parseNsTarget(target: string): NsTarget | null {
  // Parsed by hand rather than with a regular expression: a 100k-process snapshot has a
  // million links.
  const open = target.indexOf(':[');
  const n = target.length;
  if (open < 1 || n - open - 3 < 1 || n - open - 3 > 16 || target.charCodeAt(n - 1) !== 0x5d) return null;
  let inode = 0;
  for (let i = open + 2; i < n - 1; i += 1) {
    const d = target.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    inode = inode * 10 + d;
  }
  const type = target.slice(0, open);
  if (!isNsType(type) || !Number.isSafeInteger(inode) || inode === 0) return null;
  return { type, inode };
}

/** Initial namespace inodes are constants (include/linux/proc_ns.h). */
export const INITIAL_INODES: Partial<Record<NsType, number>> = {
  pid: 4026531836,
  user: 4026531837,
  uts: 4026531838,
  ipc: 4026531839,
  cgroup: 4026531835,
  time: 4026531834,
};

export function nsId(type: NsType, inode: number): string {
  return `${type}:${inode}`;
}
