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

/** The namespace type a link points to: pid_for_children -> pid. */
export function linkType(name: NsLinkName): NsType {
  return name.replace('_for_children', '') as NsType;
}

/** Inodes are 32-bit on most filesystems, 64-bit on some; keep them below 2^53. */
const TARGET = /^([a-z]+):\[([0-9]{1,16})\]$/;

export interface NsTarget {
  type: NsType;
  inode: number;
}

export function parseNsTarget(target: string): NsTarget | null {
  const m = TARGET.exec(target);
  if (!m) return null;
  const type = m[1] as string;
  const inode = Number(m[2]);
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
