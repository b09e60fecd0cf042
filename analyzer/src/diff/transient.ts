// Which processes a diff leaves out by default: what the capture itself started, not
// what the user runs. Two captures always differ in these, so showing them would bury
// the real changes. `--all` shows them again; `--ignore` adds patterns of one's own.

import { compileGlob, globLiteral, hasWildcard } from '../glob.js';
import type { Analysis, ProcessNode } from '../model/types.js';

/** Helpers the collector (or a shell around a capture) starts and waits for. */
const CAPTURE_TOOLS = new Set(['cp', 'xargs', 'tar', 'gzip', 'find', 'sort', 'mktemp', 'timeout', 'lsns', 'sed', 'grep', 'ps']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'busybox']);

export interface TransientOptions {
  /** Show the built-in transients (the collector, its helpers, ps, kworkers). */
  all: boolean;
  /** Substring, or glob when it holds a wildcard (docs/globs.md), matched on comm and on cmdline. */
  ignore: string[];
  /** Per view of the analysis: the collector's PID in that view (ViewData.selfPid). */
  selfPids?: Array<number | null>;
}

/**
 * A pattern as a predicate on a comm or command line: with a wildcard it is a glob of the
 * one dialect (docs/globs.md) that must match the whole text; without one, a substring.
 * Throws GlobSyntaxError for a malformed pattern; the CLI checks patterns first.
 */
export function ignoreMatcher(pattern: string): (text: string) => boolean {
  if (!hasWildcard(pattern)) {
    const literal = globLiteral(pattern);
    return (text) => text.includes(literal);
  }
  return compileGlob(pattern);
}

/** The collector script or the analyzer reading a live /proc. */
function isCapture(p: ProcessNode): boolean {
  if (p.comm.startsWith('nsnap-collect')) return true;
  const cmd = p.cmdline ?? '';
  return /(^|[\s/])nsnap-collect(\.sh)?(\s|$)/.test(cmd) || /^node(\s+\S+)*?\s+\S*\bbin\/nsnap(\s|$)/.test(cmd);
}

/** The PID of a process in view `v`, from its NSpid and the depth of the view's root. */
function pidInView(a: Analysis, p: ProcessNode, v: number, depthOf: Map<string, number | null>): number | null {
  const root = a.views[v]?.pidNamespace;
  const depth = root ? depthOf.get(root) : null;
  if (depth === null || depth === undefined) return null;
  return p.nspid[depth - p.nspidDepth] ?? null;
}

/** Ids of the processes to leave out of the comparison. */
export function transientProcesses(a: Analysis, opts: TransientOptions): Set<string> {
  const hidden = new Set<string>();
  const byId = new Map(a.processes.map((p) => [p.id, p]));
  const patterns = opts.ignore.map(ignoreMatcher);
  if (patterns.length > 0) {
    for (const p of a.processes) if (patterns.some((m) => m(p.comm) || (p.cmdline !== null && m(p.cmdline)))) hidden.add(p.id);
  }
  if (opts.all) return hidden;

  const children = new Map<string, string[]>();
  for (const p of a.processes) {
    if (p.parent === null) continue;
    const list = children.get(p.parent);
    if (list) list.push(p.id);
    else children.set(p.parent, [p.id]);
  }
  const roots: string[] = [];
  const depthOf = new Map(a.namespaces.filter((n) => n.type === 'pid').map((n) => [n.id, n.depth]));
  const selfPids = opts.selfPids ?? [];
  for (const p of a.processes) {
    const self = p.views.some((v) => {
      const want = selfPids[v];
      return want !== null && want !== undefined && pidInView(a, p, v, depthOf) === want;
    });
    if (self || isCapture(p)) roots.push(p.id);
    else if (p.comm === 'ps' || (p.comm.startsWith('kworker/') && !p.cmdline)) hidden.add(p.id);
    else if (CAPTURE_TOOLS.has(p.comm) && p.parent !== null && SHELLS.has(byId.get(p.parent)?.comm ?? '')) hidden.add(p.id);
  }
  // Everything the capture started, however deep: cp, tar, gzip, find, subshells …
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    hidden.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return hidden;
}
