// Splits the entries of one input into views. A snapshot's entries all belong to one
// view; a bundle's (docs/format.md#bundles) start with nsnap-bundle.json and hold one
// complete snapshot folder per level, each read by a view builder of its own with its
// folder name stripped. The kind is decided by what the input holds, not by its name:
// the bundle manifest may come after a level folder (an extracted bundle is read in name
// order), so entries outside the snapshot layout are routed to a level builder and also
// remembered by path, to be reported as unexpected if no bundle manifest turns up.

import type { Entry } from '../archive/entry.js';
import { BUNDLE_MANIFEST, checkBundleManifest, type BundleLevel, type BundleManifest } from './bundle-manifest.js';
import { ViewBuilder } from './view-builder.js';
import type { InputKind, LayoutProblem, ViewData } from './view-data.js';

/** The names a single snapshot may hold at its top. */
export const SNAPSHOT_TOP = new Set(['nsnap.json', 'lsns.json', 'wslconfig', 'proc']);

export interface BundleInfo {
  manifest: BundleManifest;
  /** Levels listed but not in the bundle (failed or missing), in manifest order. */
  absent: BundleLevel[];
}

export interface RoutedInput {
  views: ViewData[];
  /** Null for a single snapshot. */
  bundle: BundleInfo | null;
  /** Problems of the bundle as a whole (its manifest, folders it does not list). */
  problems: LayoutProblem[];
}

/** A short name for a level's view in messages: "FILE#LEVEL". */
export function levelSource(input: string, level: string): string {
  return `${input}#${level}`;
}

export class InputRouter {
  private readonly single: ViewBuilder;
  private readonly levels = new Map<string, ViewBuilder>();
  private readonly stray: Array<Pick<Entry, 'path' | 'kind'>> = [];
  private manifestText: string | null = null;
  private snapshotEntries = 0;
  private readonly problems: LayoutProblem[] = [];

  constructor(
    private readonly source: string,
    private readonly kind: InputKind,
  ) {
    this.single = new ViewBuilder(source, kind);
  }

  get singleData(): ViewData {
    return this.single.data;
  }

  add(entry: Entry): void {
    const parts = entry.parts ?? entry.path.split('/');
    const top = parts[0] as string;
    if (SNAPSHOT_TOP.has(top)) {
      this.snapshotEntries += 1;
      this.single.add(entry);
      return;
    }
    if (entry.path === BUNDLE_MANIFEST) {
      if (this.manifestText !== null) this.problems.push({ path: BUNDLE_MANIFEST, message: 'duplicate entry' });
      else if (entry.kind !== 'file') this.problems.push({ path: BUNDLE_MANIFEST, message: `must be a regular file, not a ${entry.kind}` });
      else this.manifestText = (entry.data ?? Buffer.alloc(0)).toString('utf8');
      return;
    }
    if (this.manifestText === null) this.stray.push({ path: entry.path, kind: entry.kind });
    if (parts.length === 1) {
      // The level folder itself; a file here is neither snapshot nor level.
      if (entry.kind !== 'dir') this.problems.push({ path: entry.path, message: `must be a snapshot folder, not a ${entry.kind}` });
      return;
    }
    let b = this.levels.get(top);
    if (!b) {
      b = new ViewBuilder(levelSource(this.source, top), this.kind);
      this.levels.set(top, b);
    }
    const rest = parts.slice(1);
    b.add({ ...entry, path: rest.join('/'), parts: rest });
  }

  finish(): RoutedInput {
    if (this.manifestText === null) {
      // A plain snapshot: whatever lay outside its layout is reported as before.
      for (const e of this.stray) this.single.add(e);
      return { views: [this.single.finish()], bundle: null, problems: [] };
    }
    const problems = this.problems;
    if (this.snapshotEntries > 0) {
      problems.push({ path: BUNDLE_MANIFEST, message: 'a bundle holds level folders only, but snapshot files sit beside its manifest' });
    }
    let manifest: BundleManifest | null = null;
    try {
      const value: unknown = JSON.parse(this.manifestText);
      const found = checkBundleManifest(value);
      for (const p of found) problems.push({ path: BUNDLE_MANIFEST, message: p });
      if (found.length === 0) manifest = value as BundleManifest;
    } catch (e) {
      problems.push({ path: BUNDLE_MANIFEST, message: `not valid JSON (${(e as Error).message})` });
    }
    if (manifest === null) return { views: [], bundle: null, problems };
    const views: ViewData[] = [];
    const listed = new Set<string>();
    for (const level of manifest.levels) {
      if (level.status !== 'captured' || level.folder === undefined) continue;
      listed.add(level.folder);
      const b = this.levels.get(level.folder);
      if (!b) {
        problems.push({ path: level.folder, message: `level '${level.name}' is marked captured, but its folder is not in the bundle` });
        continue;
      }
      const view = b.finish();
      view.source = levelSource(this.source, level.name);
      views.push(view);
    }
    for (const folder of [...this.levels.keys()].sort()) {
      if (!listed.has(folder)) problems.push({ path: folder, message: 'a folder the bundle manifest does not list as a captured level' });
    }
    const absent = manifest.levels.filter((l) => l.status !== 'captured');
    return { views, bundle: { manifest, absent }, problems };
  }
}
