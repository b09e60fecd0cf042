// The rule vocabulary: the YAML shape (checked by schemas/rules.schema.json) and the
// compiled form the matcher runs. docs/roles.md explains each field.

import type { Role } from '../model/types.js';
import type { ProcFacts } from './facts.js';
import type { StringMatcher, StringTestSpec } from './string-match.js';
import type { Template } from './template.js';

export interface ProcessTestSpec {
  comm?: StringTestSpec;
  cmdline?: StringTestSpec;
  exe?: StringTestSpec;
  cgroup?: StringTestSpec;
  uid?: number | number[];
  pid?: number | number[];
  kernelThread?: boolean;
}

export type RangeSpec = number | { min?: number; max?: number };

export interface MatchSpec {
  inode?: number | number[];
  outermost?: boolean;
  depth?: RangeSpec;
  parentRole?: Role | Role[];
  init?: ProcessTestSpec;
  initParent?: ProcessTestSpec;
  initAncestor?: ProcessTestSpec;
  allOf?: ProcessTestSpec[];
  anyOf?: ProcessTestSpec[];
  noneOf?: ProcessTestSpec[];
  count?: { of?: ProcessTestSpec; min?: number; max?: number };
  cgroup?: StringTestSpec;
  newCgroup?: boolean;
  osRelease?: Record<string, StringTestSpec>;
  env?: Record<string, StringTestSpec>;
  kernel?: StringTestSpec;
  any?: MatchSpec[];
}

export const EVIDENCE_KINDS = [
  'inode',
  'outermost',
  'depth',
  'parent',
  'init',
  'initParent',
  'processes',
  'count',
  'cgroup',
  'os-release',
  'env',
  'kernel',
  'distro',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export type EvidenceItemSpec = EvidenceKind | { processes: ProcessTestSpec; as?: string };

export interface RuleSpec {
  name: string;
  description?: string;
  enabled?: boolean;
  role?: Role;
  priority?: number;
  match?: MatchSpec;
  label?: string | string[];
  evidence?: EvidenceItemSpec[];
}

export interface RulesFileSpec {
  version?: 1;
  description?: string;
  rules: RuleSpec[];
}

// ---- compiled ----

export interface ProcessTest {
  /** Short human form for evidence, e.g. "comm weston". */
  text: string;
  comm?: StringMatcher;
  cmdline?: StringMatcher;
  exe?: StringMatcher;
  cgroup?: StringMatcher;
  uid?: number[];
  pid?: number[];
  kernelThread?: boolean;
}

export interface Match {
  inode?: number[];
  outermost?: boolean;
  depth?: { min: number; max: number };
  parentRole?: Role[];
  init?: ProcessTest;
  initParent?: ProcessTest;
  initAncestor?: ProcessTest;
  allOf?: ProcessTest[];
  anyOf?: ProcessTest[];
  noneOf?: ProcessTest[];
  count?: { of: ProcessTest | null; min: number; max: number };
  cgroup?: StringMatcher;
  newCgroup?: boolean;
  osRelease?: [string, StringMatcher][];
  env?: [string, StringMatcher][];
  kernel?: StringMatcher;
  any?: Match[];
}

export interface Rule {
  name: string;
  role: Role;
  priority: number;
  match: Match;
  labels: Template[];
  /** null: every kind of evidence the match produced. */
  evidence: EvidenceKind[] | null;
  extraEvidence: { test: ProcessTest; as: string }[];
  /** File it came from, and its position in the load order (later wins a priority tie). */
  file: string;
  order: number;
}

export interface RuleSet {
  rules: Rule[];
  /** Every file read, in load order. */
  files: string[];
}

/** One line of evidence a rule's match produced. */
export interface Finding {
  kind: EvidenceKind;
  text: string;
}

export interface MatchResult {
  findings: Finding[];
  /** Processes named by allOf/anyOf, in order, for the {matched} label variable. */
  matched: ProcFacts[];
  /** The process that made the namespace, as `initParent` or `initAncestor` found it ({creator.*}). */
  creator: ProcFacts | null;
}

/** The rule that won a namespace, and what its match found. */
export interface Decision {
  rule: Rule;
  result: MatchResult;
}
