// The plain-language opening of `nsnap diff` in text and Markdown: a few lines that say
// what matters (settings, namespaces gone or new, moves), before the details. Lines are
// parts: our own words as strings, untrusted values (labels, process names, distro names
// inside config keys) as { value } so each renderer escapes them for its medium.

import type { Change, ChangeOf, DiffResult } from '../diff/types.js';
import { commandText, nsWord, plural } from '../diff/words.js';

export type Part = string | { value: string };
export type Line = Part[];

const MAX_PER_KIND = 5;

function names(list: Array<{ comm: string }>, max = 6): string {
  const all = [...new Set(list.map((c) => c.comm))];
  return all.slice(0, max).join(', ') + (all.length > max ? ', …' : '');
}

function capped<T>(items: T[], line: (x: T) => Line, more: (n: number) => string): Line[] {
  const out = items.slice(0, MAX_PER_KIND).map(line);
  if (items.length > MAX_PER_KIND) out.push([more(items.length - MAX_PER_KIND)]);
  return out;
}

export function headline(d: DiffResult): string {
  const how = d.matching === 'inode' ? 'same boot: matched by inode' : 'different boots: matched by structure';
  return d.changes.length === 0 ? `no differences (${how})` : `${plural(d.changes.length, 'difference')} (${how})`;
}

export function summaryLines(d: DiffResult): Line[] {
  const of = <K extends Change['kind']>(kind: K): Array<ChangeOf<K>> => d.changes.filter((c): c is ChangeOf<K> => c.kind === kind);
  const lines: Line[] = [];
  for (const c of of('config-changed')) lines.push([{ value: c.key }, ': ', { value: val(c.from) }, ' → ', { value: val(c.to) }]);
  const removed = of('namespace-removed');
  const added = of('namespace-added');
  lines.push(
    ...capped(
      removed.filter((c) => c.type === 'pid'),
      (c) => ['gone: ', { value: c.label }, ` (${c.before})`, ...(c.processes.length > 0 ? [' with ', { value: names(c.processes) }] : [])],
      (n) => `… and ${plural(n, 'more PID namespace')} gone`,
    ),
    ...capped(
      added.filter((c) => c.type === 'pid'),
      (c) => ['new: ', { value: c.label }, ` (${c.after})`, ...(c.processes.length > 0 ? [' with ', { value: names(c.processes) }] : [])],
      (n) => `… and ${plural(n, 'more new PID namespace')}`,
    ),
    ...capped(
      of('namespace-moved'),
      (c) => {
        const depth = c.depthBefore !== c.depthAfter ? ` (depth ${c.depthBefore ?? '?'} → ${c.depthAfter ?? '?'})` : '';
        const under: Line =
          c.parentAfter === null
            ? [' is now outermost']
            : [' is now a direct child of ', { value: c.parentAfterLabel ?? '' }, ` (${c.parentAfter})`];
        return [{ value: c.label }, ...under, depth];
      },
      (n) => `… and ${plural(n, 'more moved namespace')}`,
    ),
  );
  const others = [...removed, ...added].filter((c) => c.type !== 'pid');
  if (others.length > 0) {
    const count = (kind: string): string =>
      [...new Set(others.filter((c) => c.kind === kind).map((c) => c.type))]
        .map((t) => plural(others.filter((c) => c.kind === kind && c.type === t).length, nsWord(t)))
        .join(', ');
    const r = count('namespace-removed');
    const a = count('namespace-added');
    lines.push([`other namespaces: ${[r && `${r} gone`, a && `${a} new`].filter(Boolean).join('; ')}`]);
  }
  const sharing = of('sharing-changed');
  lines.push(
    ...capped(
      sharing,
      (c) => [{ value: c.label }, ` ${c.to === 'own' ? 'now has its own' : 'now shares its parent’s'} ${c.nsType} namespace`],
      (n) => `… and ${n} more sharing changes`,
    ),
  );
  for (const kind of ['role-changed', 'label-changed', 'depth-changed'] as const) {
    const n = of(kind).length;
    if (n > 0) lines.push([`${plural(n, kind.replace('-changed', ''))} changed`]);
  }
  const procAdded = of('processes-added');
  const procRemoved = of('processes-removed');
  if (procAdded.length + procRemoved.length > 0) {
    const total = (cs: Array<{ total: number }>): number => cs.reduce((n, c) => n + c.total, 0);
    const spaces = new Set([...procAdded, ...procRemoved].map((c) => c.after)).size;
    lines.push([
      `processes: ${total(procAdded)} started, ${total(procRemoved)} gone, in ${plural(spaces, 'matched namespace')} (by command; PIDs ignored${d.matching === 'structure' ? ' across boots' : ''})`,
    ]);
  }
  if (of('view-changed').length > 0)
    lines.push(['the captures come from different views: part of the difference may only be what could be seen']);
  return lines;
}

/** Detail lines under a change: its commands, one a line, for process and namespace changes. */
export function detailLines(c: Change): Line[] {
  if (c.kind === 'processes-added' || c.kind === 'processes-removed' || c.kind === 'namespace-added' || c.kind === 'namespace-removed') {
    const sign = c.kind.endsWith('added') ? '+' : '-';
    return c.processes.map((p) => [`${sign} `, { value: commandText(p) }, p.count > 1 ? ` ×${p.count}` : '']);
  }
  return [];
}

function val(v: boolean | string | null): string {
  return v === null ? 'unknown' : String(v);
}
