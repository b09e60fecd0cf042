// The one-line human sentences of changes. Plain text, not escaped: each renderer
// escapes for its own medium (termSafe for a terminal, code spans for Markdown).

import type { NsType } from '../procfs/ns-link.js';
import type { CommandCount } from './types.js';

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function nsWord(type: NsType): string {
  return type === 'pid' ? 'PID namespace' : `${type} namespace`;
}

/** A namespace for a sentence: its label and id. */
export function nsName(label: string, id: string): string {
  return `"${label}" (${id})`;
}

/**
 * A command for a sentence: the command line, with the process name in brackets when it
 * says more (WSL's `/init [SessionLeader]`); just [comm] for kernel threads and zombies.
 */
export function commandText(c: { comm: string; cmdline: string | null }): string {
  if (c.cmdline === null || c.cmdline === '') return `[${c.comm}]`;
  const argv0 = c.cmdline.split(' ')[0] ?? '';
  const base = argv0.slice(argv0.lastIndexOf('/') + 1);
  return base.slice(0, 15) === c.comm || base === c.comm ? c.cmdline : `${c.cmdline} [${c.comm}]`;
}

/** "sleep 1000 ×2, [kworker]" with at most `max` entries. */
export function commandList(list: CommandCount[], max = 6): string {
  const shown = list.slice(0, max).map((c) => `${commandText(c)}${c.count > 1 ? ` ×${c.count}` : ''}`);
  if (list.length > max) shown.push(`and ${list.length - max} more`);
  return shown.join(', ');
}

/** The distinct process names of a namespace, the init's first: "init, WSLGd, weston". */
export function commList(list: CommandCount[], max = 8): string {
  const names = [...new Set(list.map((c) => c.comm))];
  const shown = names.slice(0, max);
  if (names.length > max) shown.push('…');
  return shown.join(', ');
}

export function value(v: boolean | string | number | null): string {
  return v === null ? 'unknown' : String(v);
}
