// `nsnap diff` as text: a plain-language summary first, then every change grouped by
// kind. Untrusted text (labels, commands) goes through termSafe, like every terminal output.

import { CHANGE_KINDS, type ChangeKind, type DiffResult, type DiffSide } from '../diff/types.js';
import { labelsOnlyDiffer } from '../diff/context-changes.js';
import { plural } from '../diff/words.js';
import { termSafe } from './escape.js';
import { detailLines, headline, summaryLines, type Line } from './diff-summary.js';
import type { Style } from './style.js';

export const KIND_TITLES: Record<ChangeKind, string> = {
  'config-changed': 'configuration',
  'view-changed': 'views',
  'namespace-removed': 'namespaces removed',
  'namespace-added': 'namespaces added',
  'namespace-moved': 'namespaces moved',
  'depth-changed': 'depth changed',
  'role-changed': 'role changed',
  'label-changed': 'label changed',
  'sharing-changed': 'sharing with the parent changed',
  'processes-removed': 'processes gone',
  'processes-added': 'processes started',
};

function text(line: Line): string {
  return line.map((p) => termSafe(typeof p === 'string' ? p : p.value)).join('');
}

function side(name: string, s: DiffSide): string {
  const boot = s.bootIds.length === 0 ? 'boot unknown' : `boot ${s.bootIds.join(', ')}`;
  const hidden = s.hiddenProcesses > 0 ? ` (${s.hiddenProcesses} transient hidden)` : '';
  return `${name}${plural(s.views.length, 'view')}, ${boot}, ${plural(s.pidNamespaces, 'PID namespace')}, ${plural(s.processes, 'process', 'processes')}${hidden}`;
}

export function renderDiffText(d: DiffResult, style: Style): string {
  const out: string[] = [];
  out.push(style.bold(`nsnap diff: ${headline(d)}`));
  out.push(termSafe(side('before: ', d.before)));
  out.push(termSafe(side('after:  ', d.after)));
  if (labelsOnlyDiffer(d.before.views, d.after.views)) {
    out.push(style.dim('(the captures have different labels; a label is a name, not a difference)'));
  }
  if (d.changes.length === 0) return `${out.join('\n')}\n`;
  out.push('', style.bold('summary'));
  for (const line of summaryLines(d)) out.push(`  ${text(line)}`);
  for (const kind of CHANGE_KINDS) {
    const list = d.changes.filter((c) => c.kind === kind);
    if (list.length === 0) continue;
    out.push('', style.bold(`${KIND_TITLES[kind]} (${list.length})`));
    for (const c of list) {
      const score = 'score' in c && d.matching === 'structure' ? style.dim(` [match ${c.score.toFixed(2)}]`) : '';
      out.push(`  ${termSafe(c.summary)}${score}`);
      for (const line of detailLines(c)) out.push(`      ${text(line)}`);
    }
  }
  if (!d.options.all && (d.before.hiddenProcesses > 0 || d.after.hiddenProcesses > 0))
    out.push('', style.dim('transient processes (the collector and its helpers, ps, kworkers) are hidden; --all shows them'));
  return `${out.join('\n')}\n`;
}
