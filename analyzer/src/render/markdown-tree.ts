// `nsnap tree --format markdown`: a report to paste into a GitHub issue. A summary, a
// Mermaid diagram of the PID namespace tree, a table of the namespaces and one table of
// processes per namespace. Every untrusted string goes through report-escape.ts.
// summaryRows and processRows are shared with the HTML report.

import { NS_TYPES } from '../procfs/ns-link.js';
import { unreadLinks } from './tree-text.js';
import { depthMark, indentOf, processRows } from './process-rows.js';
import { basename } from 'node:path';
import type { Analysis, NamespaceNode, ProcessNode } from '../model/types.js';
import { pidNamespacesInTreeOrder, pidTreeNodes, renderMermaid } from './mermaid.js';
import { mdCell, mdCode, mdRow, mdText } from './report-escape.js';

/** Above this many processes a namespace's table is folded into <details>. */
const FOLD_OVER = 20;

export interface SummaryRow {
  /** Our own words. */
  name: string;
  /** Untrusted values (labels, ids, kernels, sources); each is escaped on output. */
  values: string[];
}

const known = (v: boolean | null): string => (v === null ? 'unknown' : String(v));
const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** The facts at the top of every report, in a fixed order. */
export function summaryRows(a: Analysis): SummaryRow[] {
  const pid = a.namespaces.filter((n) => n.type === 'pid');
  const boots = [...new Set(a.views.map((v) => v.bootId ?? 'unknown'))];
  const kernels = [...new Set(a.views.flatMap((v) => (v.kernel ? [v.kernel] : [])))];
  const sev = (s: string): number => a.diagnostics.filter((d) => d.severity === s).length;
  const cfg = a.config;
  const src = (key: string): string => (cfg.sources[key] ? ` (from ${cfg.sources[key]})` : '');
  const rows: SummaryRow[] = [
    {
      name: plural(a.views.length, 'view'),
      // The source's base name only: full paths would put the reporter's home folder in an issue.
      values: a.views.map((v) => `#${v.index} ${v.label}: ${v.kind}${v.level ? `, ${v.level}` : ''}, ${basename(v.source)}`),
    },
    { name: boots.length === 1 ? 'boot' : 'boots', values: boots },
  ];
  if (kernels.length > 0) rows.push({ name: 'kernel', values: kernels });
  rows.push({
    name: 'counts',
    values: [
      `${plural(pid.length, 'PID namespace')}, ${plural(a.namespaces.length - pid.length, 'other namespace')}, ${plural(a.processes.length, 'process', 'processes')}`,
    ],
  });
  // A non-root capture cannot read other users' links: say how many, per type.
  const unread = NS_TYPES.map((t) => [t, unreadLinks(a, t)] as const).filter(([, n]) => n > 0);
  if (unread.length > 0) {
    rows.push({
      name: 'links not read',
      values: [`${unread.map(([t, n]) => `${t} ${n}`).join(', ')} of ${plural(a.processes.length, 'process', 'processes')} (not root?)`],
    });
  }
  if (cfg.guiApplications !== null || cfg.sources.guiApplications)
    rows.push({ name: 'guiApplications', values: [`${known(cfg.guiApplications)}${src('guiApplications')}`] });
  if (cfg.systemd !== null || cfg.sources.systemd) rows.push({ name: 'systemd', values: [`${known(cfg.systemd)}${src('systemd')}`] });
  if (cfg.wslVersion) rows.push({ name: 'WSL version', values: [`${cfg.wslVersion}${src('wslVersion')}`] });
  for (const d of cfg.distros) {
    rows.push({
      name: 'distro',
      values: [
        `${d.name}: namespace ${d.namespace ?? 'unknown'}, systemd ${known(d.systemd)}, guiApplications ${known(d.guiApplications)}`,
      ],
    });
  }
  rows.push({
    name: 'diagnostics',
    values: [`${a.diagnostics.length} (${sev('error')} errors, ${sev('warning')} warnings, ${sev('info')} info)`],
  });
  return rows;
}

function table(head: string[], rows: string[][]): string[] {
  return [mdRow(head), mdRow(head.map(() => '---')), ...rows.map(mdRow)];
}

const num = (v: number | null): string => (v === null ? '?' : String(v));

function processTable(a: Analysis, n: NamespaceNode, procs: Map<string, ProcessNode>): string[] {
  const rows = processRows(a, n, procs).map(({ p, level, pids }) => [
    // The tree indent is ours (no-break spaces and a corner), outside the <code>.
    `${level > 0 ? `${'\u00a0\u00a0'.repeat(indentOf(level) - 1)}└\u00a0${depthMark(level)}` : ''}${mdCell(pids)}`,
    num(p.ppid),
    num(p.uid),
    mdCell(p.comm),
    mdCell(p.cmdline ?? ''),
  ]);
  return table(['PIDs (outer/…/inner)', 'PPID', 'UID', 'comm', 'cmdline'], rows);
}

/** The whole Markdown report of one analysis. */
export function renderTreeMarkdown(a: Analysis): string {
  const out: string[] = ['## nsnap: PID namespace tree', ''];
  out.push(
    ...table(
      ['about', 'value'],
      summaryRows(a).map((r) => [mdText(r.name), r.values.map(mdCell).join('<br>')]),
    ),
    '',
  );

  const ordered = pidNamespacesInTreeOrder(a);
  const number = new Map(ordered.map((n, i) => [n.id, i + 1]));
  out.push('### Diagram', '', '```mermaid', renderMermaid(pidTreeNodes(a)).trimEnd(), '```', '');

  out.push('### PID namespaces', '');
  out.push(
    ...table(
      ['#', 'namespace', 'depth', 'parent', 'parent evidence', 'role', 'processes', 'label'],
      ordered.map((n) => [
        String(number.get(n.id)),
        mdCell(n.id) + (n.synthetic ? ' (synthetic)' : ''),
        n.depth === null ? '?' : String(n.depth),
        n.parent ? `${mdCell(n.parent)}${number.has(n.parent) ? ` (#${number.get(n.parent)})` : ''}` : 'outermost',
        mdText([n.parentEvidence, ...n.parentSupport.filter((e) => e !== n.parentEvidence)].filter(Boolean).join(', ')),
        mdText(n.role),
        String(n.processes.length),
        mdCell(n.label),
      ]),
    ),
    '',
  );

  const procs = new Map(a.processes.map((p) => [p.id, p]));
  out.push('### Processes per PID namespace', '');
  for (const n of ordered) {
    out.push(`#### #${number.get(n.id)} ${mdCode(n.id)} ${mdCode(n.label)}`, '');
    if (n.evidence.length > 0) out.push(...n.evidence.map((e) => `- evidence: ${mdCode(e)}`), '');
    if (n.processes.length === 0) {
      out.push(`No member process was seen${n.seenVia !== 'member' ? ` (seen via ${mdText(n.seenVia)})` : ''}.`, '');
      continue;
    }
    const fold = n.processes.length > FOLD_OVER;
    // A blank line after <summary> lets GitHub parse the table inside <details>.
    if (fold) out.push(`<details><summary>${n.processes.length} processes</summary>`, '');
    out.push(...processTable(a, n, procs), '');
    if (fold) out.push('</details>', '');
  }

  const others = a.namespaces.filter((n) => n.type !== 'pid');
  if (others.length > 0) {
    out.push('### Other namespaces', '', `<details><summary>${others.length} namespaces</summary>`, '');
    out.push(
      ...table(
        ['type', 'namespace', 'processes', 'label'],
        others.map((n) => [mdText(n.type), mdCell(n.id), String(n.processes.length), mdCell(n.label)]),
      ),
      '',
    );
    out.push('</details>', '');
  }

  if (a.diagnostics.length > 0) {
    out.push('### Diagnostics', '');
    out.push(
      ...table(
        ['severity', 'code', 'message'],
        a.diagnostics.map((d) => [mdText(d.severity), mdCell(d.code), mdCell(d.message)]),
      ),
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}
