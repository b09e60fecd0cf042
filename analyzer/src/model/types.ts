// The analysis model as it goes on the wire (JSON/YAML) and to every renderer. Flat,
// references by id, sorted: see schemas/analysis.schema.json.

import type { NsType } from '../procfs/ns-link.js';
import type { Diagnostic } from './diagnostics.js';

/** How a PID namespace's parent edge was decided, strongest first. */
export const PARENT_EVIDENCE = ['kernel', 'init-parent', 'view', 'for-children', 'inferred'] as const;
export type ParentEvidence = (typeof PARENT_EVIDENCE)[number];

/** What a namespace is, from the rules in analyzer/rules/*.yaml. */
export const ROLES = ['host', 'wsl-vm', 'wsl-system-distro', 'wsl-user-distro', 'container', 'sandbox', 'unknown'] as const;
export type Role = (typeof ROLES)[number];

/** The level of the machine a view was captured at. */
export const VIEW_LEVELS = ['wsl-vm', 'wsl-system-distro', 'wsl-user-distro', 'host', 'container'] as const;
export type ViewLevel = (typeof VIEW_LEVELS)[number];

export interface NamespaceNode {
  /**
   * "pid:4026532257"; "pid:4026532257~2" for the second namespace seen under a reused
   * inode (NS_REUSED; "~v3" when only view 3 saw it and its time cannot be told); or
   * synthetic "pid:?3" when no inode is known.
   */
  id: string;
  type: NsType;
  inode: number | null;
  parent: string | null;
  parentEvidence: ParentEvidence | null;
  /** Every kind of evidence that agrees with `parent`, strongest first. */
  parentSupport: ParentEvidence[];
  /** From the outermost known namespace (0); null for types without a hierarchy. */
  depth: number | null;
  label: string;
  role: Role;
  /** What matched: rule name and the processes or files behind it. */
  evidence: string[];
  /** Process ids of the members, sorted. */
  processes: string[];
  /** The process id of the namespace's init (PID 1 inside), when seen. */
  init: string | null;
  /** Seen only through pid_for_children / time_for_children, or only in lsns. */
  seenVia: 'member' | 'for-children' | 'lsns';
  synthetic: boolean;
  children: string[];
  /** Indexes of the views that saw it. */
  views: number[];
}

export interface ProcessNode {
  /**
   * Unique in the output: "<pid>@<namespace id of the outermost known level>", plus
   * "~<starttime>" when the merged views hold two processes under that PID (reused).
   */
  id: string;
  /** PIDs outermost known level first; the last is the PID in its own namespace. */
  nspid: number[];
  /** Depth of the namespace of nspid[0]. */
  nspidDepth: number;
  /** Parent PID in the outermost view that sees it (0: outside that view). */
  ppid: number;
  /** Process id of the parent, when it is in the model. */
  parent: string | null;
  comm: string;
  cmdline: string | null;
  uid: number | null;
  starttime: number | null;
  ns: Partial<Record<NsType, string>>;
  /** "inferred": its PID namespace is a guess (a setns entrant without readable links, PID_NS_INFERRED). */
  placement?: 'inferred';
  views: number[];
}

export interface ViewSummary {
  index: number;
  source: string;
  kind: string;
  label: string;
  bootId: string | null;
  hostname: string | null;
  kernel: string | null;
  /** Id of the PID namespace of the view's procfs. */
  pidNamespace: string | null;
  privileged: boolean;
  processes: number;
  deniedReads: number;
  vanished: number;
  lsns: boolean;
  level: ViewLevel | null;
  levelEvidence: string[];
}

export interface DistroConfig {
  name: string;
  /** The user distro's PID namespace, when identified. */
  namespace: string | null;
  systemd: boolean | null;
  guiApplications: boolean | null;
}

/** WSL configuration as far as the views show it; every value says where it came from. */
export interface ConfigModel {
  guiApplications: boolean | null;
  systemd: boolean | null;
  kernel: string | null;
  wslVersion: string | null;
  hostname: string | null;
  /** key -> where the value came from, e.g. "guiApplications": ".wslconfig [wsl2]". */
  sources: Record<string, string>;
  distros: DistroConfig[];
}

export interface Analysis {
  format: 'nsnap-analysis';
  formatVersion: 1;
  views: ViewSummary[];
  namespaces: NamespaceNode[];
  processes: ProcessNode[];
  config: ConfigModel;
  diagnostics: Diagnostic[];
}
