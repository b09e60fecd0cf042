// diffAnalyses: two analyses in, a DiffResult out. Pure: no console, no files, so
// reports and benchmarks can call it. The CLI (cli/commands/diff.ts) loads the sides.

import { NS_TYPES, type NsType } from '../procfs/ns-link.js';
import type { Analysis } from '../model/types.js';
import { configChanges, diffViews, viewChanges } from './context-changes.js';
import { buildSide, type Side } from './features.js';
import { matchNamespaces } from './match.js';
import { namespaceChanges } from './namespace-changes.js';
import { transientProcesses } from './transient.js';
import { CHANGE_KINDS, type Change, type DiffResult, type DiffSide, type NamespaceMatch } from './types.js';

export interface DiffOptions {
  /** Show transient processes (the collector and its helpers, ps, kworkers). */
  all?: boolean;
  /** More processes to leave out: substring, or glob with * ? [ ], on comm or cmdline. */
  ignore?: string[];
  /** The collector's PID per view of each side (ViewData.selfPid), when known. */
  selfPids?: { before: Array<number | null>; after: Array<number | null> };
}

/**
 * One boot on both sides, when every view says which boot it is and the sides share a
 * boot id. A side may hold several (a container with its own boot_id, merged on proof of
 * one kernel: docs/parent-edges.md); one shared id puts both sides on one kernel.
 */
export function sameBoot(before: Analysis, after: Analysis): boolean {
  const boots = (a: Analysis): Set<string | null> => new Set(a.views.map((v) => v.bootId));
  const b = boots(before);
  const a = boots(after);
  if (b.has(null) || a.has(null) || b.size === 0 || a.size === 0) return false;
  return [...b].some((id) => a.has(id));
}

export function diffAnalyses(before: Analysis, after: Analysis, options: DiffOptions = {}): DiffResult {
  const all = options.all ?? false;
  const ignore = options.ignore ?? [];
  const hiddenB = transientProcesses(before, { all, ignore, selfPids: options.selfPids?.before ?? [] });
  const hiddenA = transientProcesses(after, { all, ignore, selfPids: options.selfPids?.after ?? [] });
  const same = sameBoot(before, after);
  const sideB = buildSide(before, hiddenB, !same);
  const sideA = buildSide(after, hiddenA, !same);
  const m = matchNamespaces(sideB, sideA, same);
  const viewsB = diffViews(before);
  const viewsA = diffViews(after);
  const changes: Change[] = [
    ...configChanges(before.config, after.config),
    ...viewChanges(viewsB, viewsA),
    ...namespaceChanges(sideB, sideA, m, same),
  ];
  sortChanges(changes, sideB, sideA);
  const matches: NamespaceMatch[] = [...m.forward].map(([b, a]) => ({
    type: sideB.ns.get(b)?.node.type as NsType,
    before: b,
    after: a,
    score: m.score.get(b) ?? 0,
  }));
  matches.sort(
    (x, y) => typeRank(x.type) - typeRank(y.type) || depthOf(sideB, x.before) - depthOf(sideB, y.before) || cmp(x.before, y.before),
  );
  return {
    format: 'nsnap-diff',
    formatVersion: 1,
    matching: same ? 'inode' : 'structure',
    options: { all, ignore: [...ignore] },
    before: summarise(before, sideB, viewsB),
    after: summarise(after, sideA, viewsA),
    matches,
    changes,
  };
}

function summarise(a: Analysis, side: Side, views: DiffSide['views']): DiffSide {
  return {
    bootIds: [...new Set(a.views.map((v) => v.bootId).filter((b): b is string => b !== null))].sort(),
    views,
    namespaces: a.namespaces.length,
    pidNamespaces: side.byType.get('pid')?.length ?? 0,
    processes: side.visibleProcesses,
    hiddenProcesses: side.hidden.size,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function typeRank(t: NsType | undefined): number {
  return t === undefined ? 99 : t === 'pid' ? -1 : NS_TYPES.indexOf(t);
}

function depthOf(side: Side, id: string | null): number {
  return id === null ? -1 : (side.ns.get(id)?.node.depth ?? 0);
}

/** Kind, then namespace type (PID first), depth, label, ids, then the sentence. */
function sortChanges(changes: Change[], b: Side, a: Side): void {
  const kindRank = new Map(CHANGE_KINDS.map((k, i) => [k, i]));
  const key = (c: Change): [number, number, number, string, string, string, string] => {
    const type = 'type' in c ? c.type : undefined;
    const depth = c.after !== null ? depthOf(a, c.after) : depthOf(b, c.before);
    // Config changes keep their own order (global keys, then per distro).
    const label = 'label' in c ? c.label : '';
    return [kindRank.get(c.kind) ?? 99, typeRank(type), depth, label, c.before ?? '', c.after ?? '', c.summary];
  };
  const keyed = changes.map((c) => ({ c, k: key(c) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < x.k.length; i += 1) {
      const p = x.k[i] as number | string;
      const q = y.k[i] as number | string;
      if (p !== q) return typeof p === 'number' ? p - (q as number) : cmp(p, q as string);
    }
    return 0;
  });
  changes.splice(0, changes.length, ...keyed.map((x) => x.c));
}
