// `nsnap pid` as text: one process followed through every PID namespace level, with the
// role and label of each level.

import type { NamespaceNode, ProcessNode } from '../model/types.js';
import type { ChainLevel } from './chain.js';
import { clip, termSafe } from './escape.js';
import type { Style } from './style.js';

export function renderPidText(p: ProcessNode, chain: ChainLevel[], nsById: Map<string, NamespaceNode>, s: Style): string {
  const nsWidth = Math.max(...chain.map((c) => `${c.ns} (depth ${c.depth})`.length));
  const pidWidth = Math.max(...chain.map((c) => String(c.pid).length));
  const lines = chain.map((c, i) => {
    const where = `${c.ns} (depth ${c.depth})`.padEnd(nsWidth);
    const pid = String(c.pid).padEnd(pidWidth);
    const ns = nsById.get(c.ns);
    const role = ns && ns.role !== 'unknown' ? `${s.warn(ns.role)}: ` : '';
    const about = s.dim(`${role}${termSafe(clip(ns?.label ?? '', 80))}`);
    const last = i === chain.length - 1;
    const tail = last ? `   ${termSafe(p.cmdline || p.comm)}   ${about}` : `   ${about}`;
    return `${s.id(where)}  ${s.bold(pid)}${tail}`.trimEnd();
  });
  return `${lines.join('\n')}\n`;
}
