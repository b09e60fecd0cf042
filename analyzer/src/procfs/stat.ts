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
  // Fields 3 (state), 4 (ppid) and 22 (starttime) of the whitespace-separated rest, found
  // by scanning: splitting all ~50 fields made 50 strings per process to keep three.
  let state: string | null = null;
  let ppidText: string | undefined;
  let startText: string | undefined;
  let field = 3;
  let i = close + 1;
  const n = text.length;
  while (field <= 22) {
    while (i < n && isSpace(text.charCodeAt(i))) i += 1;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(text.charCodeAt(i))) i += 1;
    if (field === 3) state = text.slice(start, i);
    else if (field === 4) ppidText = text.slice(start, i);
    else if (field === 22) startText = text.slice(start, i);
    field += 1;
  }
  // Nothing after the comm is an empty state, as splitting the empty rest gave.
  if (state === null) state = '';
  const ppid = ppidText === undefined ? null : parseUint(ppidText, 4_194_304);
  const starttime = startText === undefined ? null : parseUint(startText);
  if (starttime === null) issues.push({ field: 'stat', message: 'no valid starttime (field 22)' });
  return { comm, state, ppid, starttime };
}

/** What /\s/ matches: ECMAScript white space and line terminators. */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
