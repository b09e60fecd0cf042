// nsnap diff: compare two analyses (before/after a configuration change, across boots).
export { diffAnalyses, sameBoot, type DiffOptions } from './diff.js';
export { CHANGE_INFO, CHANGE_KINDS } from './types.js';
export type { Change, ChangeKind, CommandCount, DiffResult, DiffSide, DiffView, NamespaceMatch, Sharing } from './types.js';
export { ignoreMatcher } from './transient.js';
