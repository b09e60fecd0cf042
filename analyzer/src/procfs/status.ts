// Parser for /proc/PID/status. Only the fields the model needs are kept. NSpid is the
// key field: the PID in every PID namespace from the procfs's own namespace inwards.

import { PID_MAX, parseUint } from './numbers.js';

export interface StatusRecord {
  name: string | null;
  pid: number | null;
  ppid: number | null;
  tgid: number | null;
  /** Real uid. */
  uid: number | null;
  /** Outermost first, relative to the procfs being read. null when the kernel has none. */
  nspid: number[] | null;
  state: string | null;
}

export interface ParseIssue {
  field: string;
  message: string;
}

/** PID namespaces nest at most 32 deep, so NSpid has at most 33 entries. */
export const MAX_NSPID = 33;

const ALL_KEYS = 127;

export function parseStatus(text: string, issues: ParseIssue[]): StatusRecord {
  const rec: StatusRecord = { name: null, pid: null, ppid: null, tgid: null, uid: null, nspid: null, state: null };
  // The kernel prints the kept keys in its first ~15 lines of ~55; stop once all are seen.
  let seen = 0;
  let start = 0;
  while (start < text.length && seen !== ALL_KEYS) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    // The keys we keep are 3 to 5 characters long; most of the ~55 lines are skipped
    // without slicing them (a 100k-process snapshot has 5.5 million status lines).
    if (colon !== -1 && colon < end && colon - start <= 5) {
      const key = text.slice(start, colon);
      const value = text.slice(colon + 1, end).trim();
      switch (key) {
        case 'Name':
          seen |= 1;
          rec.name = value;
          break;
        case 'State':
          seen |= 2;
          rec.state = value.slice(0, 1) || null;
          break;
        case 'Pid':
          seen |= 4;
          rec.pid = num(value, 'Pid', issues, PID_MAX);
          break;
        case 'PPid':
          seen |= 8;
          rec.ppid = num(value, 'PPid', issues, PID_MAX);
          break;
        case 'Tgid':
          seen |= 16;
          rec.tgid = num(value, 'Tgid', issues, PID_MAX);
          break;
        case 'Uid': {
          seen |= 32;
          const gap = value.search(/\s/);
          const first = gap === -1 ? value : value.slice(0, gap);
          rec.uid = num(first, 'Uid', issues, 0xffffffff);
          break;
        }
        case 'NSpid':
          seen |= 64;
          rec.nspid = parseNspid(value, issues);
          break;
        default:
          break;
      }
    }
    start = end + 1;
  }
  return rec;
}

function num(value: string, field: string, issues: ParseIssue[], max: number): number | null {
  const n = parseUint(value, max);
  if (n === null) issues.push({ field, message: `'${value.slice(0, 40)}' is not a number in range` });
  return n;
}

function parseNspid(value: string, issues: ParseIssue[]): number[] | null {
  const parts = value.split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0) {
    issues.push({ field: 'NSpid', message: 'empty' });
    return null;
  }
  if (parts.length > MAX_NSPID) {
    issues.push({ field: 'NSpid', message: `${parts.length} levels; PID namespaces nest at most 32 deep` });
    return null;
  }
  const out: number[] = [];
  for (const p of parts) {
    const n = parseUint(p, PID_MAX);
    if (n === null || n === 0) {
      issues.push({ field: 'NSpid', message: `'${p.slice(0, 40)}' is not a PID` });
      return null;
    }
    out.push(n);
  }
  return out;
}
