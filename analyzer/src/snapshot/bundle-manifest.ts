// The bundle manifest (nsnap-bundle.json): its type and its validation against
// schemas/bundle.schema.json. A bundle is one machine captured at several levels; the
// manifest lists every level it was meant to hold, captured or not (docs/format.md).

import { schemaValidator } from '../prepared.js';

export type LevelKind = 'wsl-root' | 'wsl-system' | 'wsl-user' | 'container' | 'host' | 'view';
export type LevelStatus = 'captured' | 'failed' | 'missing';

export interface BundleLevel {
  name: string;
  kind: LevelKind;
  distro?: string | null;
  status: LevelStatus;
  /** The level's snapshot folder inside the bundle (captured levels only). */
  folder?: string;
  /** Why a level is not in the bundle. */
  reason?: string;
  /** How the level was (or can be) reached, e.g. the line to paste into `wsl --debug-shell`. */
  how?: string;
}

export interface BundleManifest {
  format: 'nsnap-bundle';
  format_version: 1;
  collector: { name: string; version: string };
  created: string;
  host?: string | null;
  levels: BundleLevel[];
}

export const BUNDLE_MANIFEST = 'nsnap-bundle.json';

/** Human-readable problems; empty when the manifest is valid. */
export function checkBundleManifest(value: unknown): string[] {
  const validate = schemaValidator('bundle.schema.json');
  if (validate(value)) {
    const m = value as BundleManifest;
    const problems: string[] = [];
    const names = new Set<string>();
    const folders = new Set<string>();
    for (const l of m.levels) {
      if (names.has(l.name)) problems.push(`bundle manifest: level '${l.name}' is listed twice`);
      names.add(l.name);
      if (l.folder !== undefined && l.status === 'captured') {
        if (folders.has(l.folder)) problems.push(`bundle manifest: folder '${l.folder}' belongs to two levels`);
        folders.add(l.folder);
      }
    }
    return problems;
  }
  return (validate.errors ?? []).slice(0, 20).map((e) => {
    const where = e.instancePath === '' ? 'bundle manifest' : `bundle manifest${e.instancePath.replace(/\//g, '.')}`;
    const extra = e.keyword === 'enum' || e.keyword === 'const' ? ` (${JSON.stringify(e.params)})` : '';
    return `${where}: ${e.message ?? 'invalid'}${extra}`;
  });
}
