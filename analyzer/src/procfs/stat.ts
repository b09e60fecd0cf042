// Parser for /proc/PID/stat. The comm sits in parentheses and may itself contain spaces,
// ')' and even newlines, so the fields are split at the LAST ')'.

import { parseUint } from './numbers.js';
import type { ParseIssue } from './status.js';

export interface StatRecord {
  comm: string | null;
  state: string | null;
  ppid: number | null;
  /** Field 22: clock ticks since boot. Same in every view of one boot. */
  starttime: number | null;
}

export function parseStat(text: string, issues: ParseIssue[]): StatRecord {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close === -1 || close < open) {
    issues.push({ field: 'stat', message: 'no (comm) in stat' });
    return { comm: null, state: null, ppid: null, starttime: null };
  }
  const comm = text.slice(open + 1, close);
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0] ?? null;
  const ppidText = rest[1];
  const startText = rest[19];
  const ppid = ppidText === undefined ? null : parseUint(ppidText, 4_194_304);
  const starttime = startText === undefined ? null : parseUint(startText);
  if (starttime === null) issues.push({ field: 'stat', message: 'no valid starttime (field 22)' });
  return { comm, state, ppid, starttime };
}
