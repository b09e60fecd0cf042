// The diff as it goes on the wire (JSON/YAML) and to the diff renderers: two sides
// summarised, every matched namespace pair with its score, and a sorted list of changes.
// See schemas/diff.schema.json and docs/diff.md. Ids are each side's own namespace ids.

import type { NsType } from '../procfs/ns-link.js';
import type { Role, ViewLevel } from '../model/types.js';

/** Every change kind, in the order changes are sorted and rendered. */
export const CHANGE_KINDS = [
  'config-changed',
  'view-changed',
  'namespace-removed',
  'namespace-added',
  'namespace-moved',
  'depth-changed',
  'role-changed',
  'label-changed',
  'sharing-changed',
  'processes-removed',
  'processes-added',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What each kind means; a kind without a line here does not compile. */
export const CHANGE_INFO: Record<ChangeKind, string> = {
  'config-changed': 'a WSL setting in analysis.config differs (guiApplications, systemd, kernel, wslVersion, hostname, per-distro values)',
  'view-changed': 'the sets of views, or their privilege, differ: part of the difference may only be what could be seen',
  'namespace-removed': 'a namespace of BEFORE has no match in AFTER',
  'namespace-added': 'a namespace of AFTER has no match in BEFORE',
  'namespace-moved': "a matched namespace's parent is not the match of its old parent",
  'depth-changed': "a matched namespace's depth changed although neither its parent nor an ancestor explains it",
  'role-changed': 'a matched namespace has another role',
  'label-changed': 'a matched PID namespace has another label',
  'sharing-changed': 'a matched PID namespace now shares (or no longer shares) a namespace of another type with its parent',
  'processes-removed': 'commands that ran in a matched PID namespace and no longer do (counted)',
  'processes-added': 'commands that run in a matched PID namespace and did not before (counted)',
};

/** Whether a PID namespace's init uses the same namespace of another type as its parent's init. */
export type Sharing = 'shared' | 'own' | 'unknown';

export interface CommandCount {
  comm: string;
  cmdline: string | null;
  count: number;
}

export interface DiffView {
  label: string;
  kind: string;
  level: ViewLevel | null;
  privileged: boolean;
}

export interface DiffSide {
  bootIds: string[];
  views: DiffView[];
  namespaces: number;
  pidNamespaces: number;
  processes: number;
  /** Transient processes left out of the comparison (see docs/diff.md). */
  hiddenProcesses: number;
}

export interface NamespaceMatch {
  type: NsType;
  before: string;
  after: string;
  /** 1 for the same inode in the same boot; otherwise the structural score, 0..1. */
  score: number;
}

interface Base {
  /** The namespace's id in BEFORE, null when it has none there (or for config/view changes). */
  before: string | null;
  after: string | null;
  summary: string;
}

export interface NamespaceAddedOrRemoved extends Base {
  kind: 'namespace-added' | 'namespace-removed';
  type: NsType;
  role: Role;
  label: string;
  depth: number | null;
  /** The parent on the side where the namespace exists. */
  parent: string | null;
  /** That parent's match on the other side, when it has one. */
  parentMatch: string | null;
  processes: CommandCount[];
  /** Namespaces of other types whose members all came or went with this one (this side's only). */
  with: string[];
  /**
   * One boot only: the namespace on the other side that holds the same inode and is not
   * matched to this one (the namespace died and the kernel gave its inode to a new one).
   */
  replaced: string | null;
}

export interface NamespaceMoved extends Base {
  kind: 'namespace-moved';
  type: NsType;
  label: string;
  score: number;
  parentBefore: string | null;
  parentAfter: string | null;
  parentBeforeLabel: string | null;
  parentAfterLabel: string | null;
  depthBefore: number | null;
  depthAfter: number | null;
}

export interface ValueChanged<K extends ChangeKind, T> extends Base {
  kind: K;
  type: NsType;
  label: string;
  score: number;
  from: T;
  to: T;
}

export interface ProcessesChanged extends Base {
  kind: 'processes-added' | 'processes-removed';
  type: NsType;
  label: string;
  score: number;
  total: number;
  processes: CommandCount[];
}

export interface SharingChanged extends Base {
  kind: 'sharing-changed';
  type: NsType;
  label: string;
  score: number;
  nsType: NsType;
  from: Sharing;
  to: Sharing;
}

export interface ConfigChanged extends Base {
  kind: 'config-changed';
  key: string;
  from: boolean | string | null;
  to: boolean | string | null;
  sourceBefore: string | null;
  sourceAfter: string | null;
}

export interface ViewChanged extends Base {
  kind: 'view-changed';
  viewsBefore: DiffView[];
  viewsAfter: DiffView[];
}

export type Change =
  | NamespaceAddedOrRemoved
  | NamespaceMoved
  | ValueChanged<'depth-changed', number | null>
  | ValueChanged<'role-changed', Role>
  | ValueChanged<'label-changed', string>
  | SharingChanged
  | ProcessesChanged
  | ConfigChanged
  | ViewChanged;

export interface DiffResult {
  format: 'nsnap-diff';
  formatVersion: 1;
  /** inode: same boot, namespaces by inode and processes by identity; structure: different boots. */
  matching: 'inode' | 'structure';
  options: { all: boolean; ignore: string[] };
  before: DiffSide;
  after: DiffSide;
  matches: NamespaceMatch[];
  changes: Change[];
}

/** The change type(s) of one kind (kinds that share a shape included). */
export type ChangeOf<K extends ChangeKind> = Change extends infer C
  ? C extends { kind: infer X }
    ? K extends X
      ? C
      : never
    : never
  : never;
