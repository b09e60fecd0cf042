// A snapshot tarball as files: extracted with the system's tar (so GNU tar must read it)
// into a scratch folder, and small readers for its proc/ entries.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

export interface Extracted {
  /** The top folder: nsnap-<host>-<label>-<time>. */
  top: string;
  topName: string;
  manifest: Record<string, unknown> & ManifestShape;
  /** PID folder names under proc/. */
  pids: number[];
}

export interface ManifestShape {
  collector: { shell?: string; copy_mode?: string; cmdline?: boolean };
  label: string;
  source: { live: boolean; proc?: string };
  view: {
    self_pid?: number | null;
    boot_id: string | null;
    hostname?: string | null;
    uid?: number | null;
    procfs_mounts?: string[];
    hidepid?: string | null;
  };
  counts: { processes: number; namespaces?: number; denied?: number; vanished?: number; errors?: number };
  denied: { path: string; error: string }[];
  vanished: number[];
  errors?: { path: string; error: string }[];
  lsns?: { ran: boolean; file?: string | null; exit_code?: number; command?: string };
  wsl?: { wsl_conf?: boolean; wslconfig?: { given?: boolean; captured?: boolean } };
  env?: Record<string, string | boolean>;
}

/** Extracts a snapshot tarball with tar -xzf into a fresh folder. */
export function extract(tarball: string): Extracted {
  const dest = scratchDir('nsnap-x-');
  const r = spawnSync('tar', ['-xzf', tarball, '-C', dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xzf failed: ${r.stderr}`);
  const tops = readdirSync(dest);
  if (tops.length !== 1) throw new Error(`expected one top folder, got ${tops.join(', ')}`);
  const topName = tops[0] as string;
  const top = join(dest, topName);
  const manifest = JSON.parse(readFileSync(join(top, 'nsnap.json'), 'utf8')) as Extracted['manifest'];
  const pids = readdirSync(join(top, 'proc'))
    .filter((n) => /^[0-9]+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  return { top, topName, manifest, pids };
}

/** Reads a file of an extracted snapshot's proc/, or null. */
export function snapFile(snap: Extracted, rel: string): string | null {
  try {
    return readFileSync(join(snap.top, 'proc', rel), 'utf8');
  } catch {
    return null;
  }
}

/** Reads a namespace link of an extracted snapshot, or null. */
export function snapLink(snap: Extracted, pid: number, type: string): string | null {
  try {
    return readlinkSync(join(snap.top, 'proc', String(pid), 'ns', type));
  } catch {
    return null;
  }
}

/** The NSpid line of a status text, as numbers. */
export function nspidOf(status: string | null): number[] | null {
  const m = status === null ? null : /^NSpid:\s*(.*)$/m.exec(status);
  return m ? (m[1] as string).split(/\s+/).filter(Boolean).map(Number) : null;
}
