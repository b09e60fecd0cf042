// The shapes the PID namespace reconstruction passes between its steps (pid-namespaces.ts
// runs them): a namespace class being built, a candidate parent edge, a proof that two
// views nest, and the inode-instance lookup. They live apart so that every step can
// import them without importing another step.

import type { ParentEvidence } from './types.js';
import type { VProc } from './view-procs.js';

export interface PidClass {
  rep: number;
  inodes: number[];
  /** Instance names, "4026532257" or "4026532257~2" for a reused inode's later instance. */
  instances: string[];
  members: VProc[];
  /** View indexes whose root this namespace is. */
  rootOf: number[];
  inits: VProc[];
  seenVia: 'member' | 'for-children' | 'lsns';
  parent: PidClass | null;
  parentEvidence: ParentEvidence | null;
  parentSupport: ParentEvidence[];
  depth: number;
  children: PidClass[];
}

/** One piece of evidence for a parent edge, between identity keys; decideParents weighs them. */
export interface ParentCandidate {
  child: string;
  parent: string;
  evidence: ParentEvidence;
  note: string;
}

/** Evidence that view `inner`'s namespace is view `outer`'s or nested `offset` levels below it. */
export interface NestProof {
  outer: number;
  inner: number;
  offset: number;
  kind: 'inode' | 'process';
  /**
   * Also proves one kernel (used when boot ids differ): a namespace inode other than the
   * constant initial one with the same init start time in both views, or the inner
   * view's init matched to exactly one process of the outer view.
   */
  kernel: boolean;
  note: string;
}

/** Which instance of an inode a view means: see resolveInstances. */
export interface Instances {
  key(v: number, inode: number): string;
  /** Start time of the init of `inode`'s namespace as view v shows it, when seen. */
  witness(v: number, inode: number): number | null;
}
