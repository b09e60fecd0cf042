// The manifest (nsnap.json): its type and its validation against
// schemas/manifest.schema.json (compiled at build time when current, see prepared.ts).

import { schemaValidator } from '../prepared.js';

export interface FailedReadJson {
  path: string;
  error: string;
}

export interface Manifest {
  format: 'nsnap-snapshot';
  format_version: 1;
  collector: { name: string; version: string; shell?: string; copy_mode?: string; cmdline?: boolean };
  label: string;
  capture: { start: string; end: string; seconds?: number };
  source: { proc?: string; live: boolean };
  view: {
    self_pid?: number | null;
    boot_id: string | null;
    hostname?: string | null;
    kernel?: { release?: string | null; version?: string | null };
    uptime_seconds?: number | null;
    procfs_mounts?: string[];
    uid?: number | null;
    euid?: number | null;
    cap_eff?: string | null;
    cap_prm?: string | null;
    cap_bnd?: string | null;
  };
  env?: Record<string, string | boolean>;
  wsl?: {
    wsl_conf?: boolean;
    wslconfig?: { given?: boolean; captured?: boolean };
    /** The WSL distro the view was taken in, and where the collector read its name. */
    distro?: { name: string; from: string; cut?: boolean };
  };
  lsns?: { ran: boolean; command?: string; version?: string; exit_code?: number; file?: string | null };
  counts: { processes: number; namespaces?: number; denied?: number; vanished?: number; errors?: number };
  denied: FailedReadJson[];
  vanished: number[];
  errors?: FailedReadJson[];
  redaction?: { tool?: string; rules?: string[] };
}

/** Returns human-readable problems; empty when the manifest is valid. */
export function checkManifest(value: unknown): string[] {
  const validate = schemaValidator('manifest.schema.json');
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, 20).map((e) => {
    const where = e.instancePath === '' ? 'manifest' : `manifest${e.instancePath.replace(/\//g, '.')}`;
    const extra = e.keyword === 'enum' || e.keyword === 'const' ? ` (${JSON.stringify(e.params)})` : '';
    return `${where}: ${e.message ?? 'invalid'}${extra}`;
  });
}
