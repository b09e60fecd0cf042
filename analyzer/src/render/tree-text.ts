// `nsnap tree` as text: the PID namespace tree, lsns-style, optionally with the process
// tree inside each namespace. Other namespace types are a flat list (user: a tree when
// lsns gave the parents).

import type { NsType } from '../procfs/ns-link.js';
import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';
import { clip, termSafe } from './escape.js';
import { depthMark, indentOf, processRows } from './process-rows.js';
import type { Style } from './style.js';

export interface TreeOptions {
  type: NsType;
  processes: boolean;
}

export function renderTreeText(a: Analysis, opts: TreeOptions, s: Style): string {
  const out: string[] = [];
  const nodes = a.namespaces.filter((n) => n.type === opts.type);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const procs = new Map(a.processes.map((p) => [p.id, p]));
  const hierarchical = opts.type === 'pid' || opts.type === 'user';
  out.push(s.dim(`${a.views.length} view(s), ${a.processes.length} processes, ${nodes.length} ${opts.type} namespaces`));
  const unread = unreadLinks(a, opts.type);
  if (unread > 0) out.push(s.warn(unreadText(unread, a.processes.length, opts.type)));
  for (const v of a.views) {
    const who = v.privileged ? 'root' : 'not root';
    const level = v.level ? `${v.level}, ` : '';
    out.push(s.dim(`  view ${v.index}: ${termSafe(clip(v.label, 40))} (${level}${who}) at ${v.pidNamespace ?? '?'}`));
  }
  if (!hierarchical) {
    for (const n of nodes) out.push(nsLine(n, s, false));
  } else {
    const roots = nodes.filter((n) => n.parent === null || !byId.has(n.parent));
    const walk = (n: NamespaceNode, prefix: string, last: boolean, top: boolean): void => {
      const branch = top ? '' : last ? '└─ ' : '├─ ';
      out.push(`${prefix}${branch}${nsLine(n, s, true)}`);
      const childPrefix = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
      const kids = n.children.map((id) => byId.get(id)).filter((k): k is NamespaceNode => k !== undefined);
      const bar = kids.length > 0 ? '│ ' : '  ';
      for (const e of n.evidence) out.push(`${childPrefix}${bar}   ${s.dim(`evidence: ${termSafe(clip(e, 140))}`)}`);
      if (opts.processes) {
        for (const line of processLines(a, n, procs, s)) out.push(`${childPrefix}${bar}   ${line}`);
      }
      kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1, false));
    };
    for (const r of roots) walk(r, '', true, true);
  }
  const problems = a.diagnostics.filter((d) => d.severity !== 'info');
  if (problems.length > 0) {
    out.push('');
    for (const d of problems) out.push(`${d.severity === 'error' ? s.error(d.code) : s.warn(d.code)}: ${termSafe(d.message)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Processes whose `type` namespace link could not be read (denied to a non-root capture). */
export function unreadLinks(a: Analysis, type: NsType): number {
  return a.processes.filter((p) => {
    const id = p.ns[type];
    return id === undefined || id.includes(':?');
  }).length;
}

export function unreadText(unread: number, total: number, type: NsType): string {
  const placed = type === 'pid' ? 'grouped by NSpid and PPid (synthetic ids such as pid:?1)' : 'not counted in any namespace below';
  return `  ${unread} of ${total} processes: ${type} namespace link could not be read (not root?); they are ${placed}`;
}

function nsLine(n: NamespaceNode, s: Style, showDepth: boolean): string {
  const parts = [s.id(n.id)];
  if (showDepth && n.depth !== null) parts.push(s.dim(`depth ${n.depth}`));
  if (n.role !== 'unknown') parts.push(s.warn(n.role));
  parts.push(s.bold(termSafe(clip(n.label, 100))));
  parts.push(`${n.processes.length} proc${n.processes.length === 1 ? '' : 's'}`);
  if (n.parentEvidence) parts.push(s.dim(`[${n.parentEvidence}]`));
  else if (showDepth && n.parent === null) parts.push(s.dim('[outermost]'));
  if (n.synthetic) parts.push(s.warn('(synthetic: links unreadable)'));
  if (n.seenVia !== 'member') parts.push(s.dim(`(seen via ${n.seenVia})`));
  return parts.join('  ');
}

/** The process tree inside one namespace, PIDs outer to inner. */
function processLines(a: Analysis, n: NamespaceNode, procs: Map<string, ProcessNode>, s: Style): string[] {
  return processRows(a, n, procs).map(({ p, level, pids }) => {
    const cmd = p.cmdline && p.cmdline.length > 0 ? p.cmdline : `[${p.comm}]`;
    return `${'  '.repeat(indentOf(level))}${s.dim(depthMark(level))}${s.id(pids)}  ${termSafe(cmd)}`;
  });
}
