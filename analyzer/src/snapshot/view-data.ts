// The in-memory record of one view: what one procfs showed, parsed, before any model is
// built. Produced by the view builder from entries of any input kind.

import type { NsLinkName } from '../procfs/ns-link.js';
import type { IniSections, KeyValues } from '../procfs/os-release.js';
import type { StatRecord } from '../procfs/stat.js';
import type { StatusRecord } from '../procfs/status.js';
import type { Manifest } from './manifest.js';

export type InputKind = 'tarball' | 'snapshot-dir' | 'proc-dir' | 'live';

export interface ProcRecord {
  /** PID in the view's procfs (the folder name). */
  pid: number;
  status: StatusRecord | null;
  stat: StatRecord | null;
  comm: string | null;
  cmdline: string[] | null;
  cgroup: string[] | null;
  /** Inode per link name, for the links that could be read. */
  ns: Partial<Record<NsLinkName, number>>;
  osRelease: KeyValues | null;
  wslConf: IniSections | null;
}

export interface LsnsRow {
  ns: number;
  type: string;
  pns: number | null;
  ons: number | null;
  nprocs: number | null;
  pid: number | null;
}

export interface LayoutProblem {
  path: string;
  message: string;
}

export interface FailedRead {
  path: string;
  error: string;
}

export interface ViewData {
  /** The input as the user named it. */
  source: string;
  kind: InputKind;
  manifest: Manifest | null;
  label: string;
  bootId: string | null;
  hostname: string | null;
  kernelRelease: string | null;
  kernelVersion: string | null;
  selfPid: number | null;
  /** Effective uid of the collector, when known. */
  euid: number | null;
  procs: Map<number, ProcRecord>;
  lsns: LsnsRow[] | null;
  wslconfig: IniSections | null;
  /** Violations of the format: the snapshot is invalid when this is not empty. */
  problems: LayoutProblem[];
  /** Reads that failed at capture time (from the manifest, or seen while reading a live /proc). */
  denied: FailedRead[];
  vanished: number[];
}

export function newProcRecord(pid: number): ProcRecord {
  return { pid, status: null, stat: null, comm: null, cmdline: null, cgroup: null, ns: {}, osRelease: null, wslConf: null };
}
