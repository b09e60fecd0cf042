// `nsnap tree [VIEW...]`: the namespace tree of one boot, merged from every view, as
// text, data (json, yaml) or a report (markdown, html, dot).

import type { Analysis } from '../../model/types.js';
import { isNsType } from '../../procfs/ns-link.js';
import { renderTreeDot } from '../../render/dot.js';
import { renderTreeHtml } from '../../render/html-tree.js';
import { renderTreeMarkdown } from '../../render/markdown-tree.js';
import { writeSerialized } from '../../render/serialize.js';
import { renderTreeText } from '../../render/tree-text.js';
import { NsnapError, UsageError } from '../../errors.js';
import { NS_TYPES } from '../../procfs/ns-link.js';
import { bool, parseArgs, str, type FlagSpec } from '../args.js';
import { analyse, COMMON_FLAGS, SAME_BOOT_FLAG, styleFrom, treeFormatFrom, WIDE_FLAG, type Io, type TreeFormat } from '../common.js';
import { fitWidth, outputWidth } from '../width.js';

export const FLAGS: FlagSpec = {
  processes: { kind: 'boolean', help: 'show the process tree inside each namespace' },
  type: {
    kind: 'string',
    values: [...NS_TYPES],
    default: 'pid',
    help: 'the namespace type to draw (text, json and yaml only)',
  },
  ...COMMON_FLAGS,
  ...SAME_BOOT_FLAG,
  format: {
    kind: 'string',
    values: ['text', 'json', 'yaml', 'markdown', 'html', 'dot'],
    default: 'text',
    help: 'output format; markdown, html and dot are reports (docs/reports.md)',
  },
  ...WIDE_FLAG,
};

/** One renderer per report format; the type checker keeps the table complete. */
const REPORTS: Record<Exclude<TreeFormat, 'text' | 'json' | 'yaml'>, (a: Analysis) => string> = {
  markdown: renderTreeMarkdown,
  html: renderTreeHtml,
  dot: renderTreeDot,
};

export async function treeCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  const type = str(p, 'type') ?? 'pid';
  if (!isNsType(type)) throw new UsageError(`--type must be one of cgroup, ipc, mnt, net, pid, time, user, uts, not '${type}'`);
  const format = treeFormatFrom(p);
  if (format !== 'text' && format !== 'json' && format !== 'yaml' && type !== 'pid') {
    throw new UsageError(`--format ${format} draws the PID namespace tree only; drop --type`);
  }
  const analysis = await analyse(p.positional, p, io);
  if (format === 'text' && !analysis.namespaces.some((n) => n.type === type)) {
    throw new NsnapError('NOT_FOUND', `no ${type} namespaces in ${p.positional.length === 0 ? 'the live /proc' : 'these views'}`, {
      exitCode: 1,
    });
  }
  if (format === 'text') {
    const text = renderTreeText(analysis, { type, processes: bool(p, 'processes') }, styleFrom(p, io));
    io.stdout(fitWidth(text, outputWidth(io, bool(p, 'wide'))));
  } else if (format === 'json' || format === 'yaml') writeSerialized(analysis, format, io.stdout);
  else io.stdout(REPORTS[format](analysis));
  return 0;
}
