// lsns -J output, as the collector stored it. util-linux prints numbers as numbers in
// newer releases and as strings in older ones; both are accepted, nothing else is.

import { parseUint } from '../procfs/numbers.js';
import type { LsnsRow } from './view-data.js';

function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'string') return parseUint(v.trim());
  return null;
}

export function parseLsns(text: string): LsnsRow[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const list = (value as { namespaces?: unknown }).namespaces;
  if (!Array.isArray(list)) return null;
  const rows: LsnsRow[] = [];
  for (const item of list.slice(0, 1_000_000)) {
    if (typeof item !== 'object' || item === null) continue;
    const o = item as Record<string, unknown>;
    const ns = num(o.ns);
    const type = typeof o.type === 'string' ? o.type : null;
    if (ns === null || type === null) continue;
    rows.push({ ns, type, pns: num(o.pns), ons: num(o.ons), nprocs: num(o.nprocs), pid: num(o.pid) });
  }
  return rows;
}
