// Reads a snapshot for redaction: every entry goes through the same reader, limits and
// view builder as `loadView` (so the same snapshots are refused), and the raw bytes of
// each file are kept, because redaction rewrites files rather than the parsed view.
// The writer needs processes in PID order and archives need not be in that order, so the
// files are held in memory: about the uncompressed size, bounded by --max-total-bytes.

import { basename, resolve } from 'node:path';
import type { Entry } from '../archive/entry.js';
import type { Limits } from '../archive/limits.js';
import { readTarGz, type ReadProgress } from '../archive/tar-reader.js';
import { NsnapError, UsageError } from '../errors.js';
import { resolveInput } from '../source/load.js';
import { readSnapshotDir } from '../source/snapshot-dir-reader.js';
import { BUNDLE_MANIFEST, type BundleManifest } from '../snapshot/bundle-manifest.js';
import { InputRouter, levelSource, SNAPSHOT_TOP } from '../snapshot/bundle-router.js';
import type { ViewData } from '../snapshot/view-data.js';

export const PROC_FILE_NAMES = ['status', 'stat', 'cmdline', 'comm', 'cgroup'] as const;
export type ProcFileName = (typeof PROC_FILE_NAMES)[number] | 'os-release' | 'wsl.conf';

export interface RawSnapshot {
  topFolder: string;
  /** nsnap.json, lsns.json, wslconfig and proc/sys/kernel/… files, by entry path. */
  files: Map<string, Buffer>;
  /** The files of each PID folder. */
  procs: Map<number, Map<ProcFileName, Buffer>>;
  /** Target of proc/self, when the snapshot has the link (the view builder checked it is a PID). */
  selfTarget: string | null;
  view: ViewData;
}

/** Keeps a private copy: a reader's buffer may be a slice of a large decompressed chunk. */
function own(data: Buffer | undefined): Buffer {
  return data === undefined ? Buffer.alloc(0) : Buffer.from(data);
}

function store(raw: RawSnapshot, e: Entry): void {
  if (e.kind === 'symlink' && e.path === 'proc/self') raw.selfTarget = e.target ?? null;
  if (e.kind !== 'file') return;
  const parts = e.parts ?? e.path.split('/');
  if (parts[0] === 'proc' && /^[1-9][0-9]*$/.test(parts[1] ?? '')) {
    const pid = Number(parts[1]);
    const name = parts.length === 3 ? parts[2] : parts.length === 5 && parts[2] === 'root' && parts[3] === 'etc' ? parts[4] : undefined;
    if (name === undefined) return;
    let files = raw.procs.get(pid);
    if (!files) raw.procs.set(pid, (files = new Map()));
    files.set(name as ProcFileName, own(e.data));
    return;
  }
  raw.files.set(e.path, own(e.data));
}

/** What redaction reads: one snapshot, or the captured levels of a bundle. */
export interface RawInput {
  levels: RawSnapshot[];
  /** Null for a single snapshot. */
  bundle: { topFolder: string; manifest: BundleManifest } | null;
}

function newRaw(view: ViewData): RawSnapshot {
  return { topFolder: '', files: new Map(), procs: new Map(), selfTarget: null, view };
}

/**
 * Reads a .tar.gz or extracted snapshot or bundle. Throws INVALID_SNAPSHOT (exit 1) naming
 * the first problem when the view builder finds any: a snapshot that does not validate is
 * not re-emitted, since what the writer would drop or keep is then anyone's guess.
 */
export async function readInputForRedaction(input: string, limits: Limits, progress?: ReadProgress): Promise<RawInput> {
  const { kind, root } = resolveInput(input);
  if (kind !== 'tarball' && kind !== 'snapshot-dir') {
    throw new NsnapError(
      'NOT_A_SNAPSHOT',
      `${input}: redact needs a snapshot (.tar.gz or extracted folder), not a folder laid out like /proc`,
      {
        hint: 'capture it with the collector first (nsnap collect), then redact the snapshot',
      },
    );
  }
  if (input === '-') throw new UsageError('redact reads a file, not standard input; save the snapshot to a file first');
  const router = new InputRouter(input, kind);
  const single = newRaw(router.singleData);
  const perFolder = new Map<string, RawSnapshot>();
  const sink = (e: Entry): void => {
    router.add(e);
    const parts = e.parts ?? e.path.split('/');
    if (SNAPSHOT_TOP.has(parts[0] as string)) return store(single, e);
    if (e.path === BUNDLE_MANIFEST || parts.length < 2) return;
    let raw = perFolder.get(parts[0] as string);
    if (!raw) perFolder.set(parts[0] as string, (raw = newRaw(router.singleData)));
    const rest = parts.slice(1);
    store(raw, { ...e, path: rest.join('/'), parts: rest });
  };
  let top: string;
  if (kind === 'tarball') {
    const result = await readTarGz(root, limits, sink, progress);
    for (const p of result.problems) router.singleData.problems.push(p);
    if (result.topFolder === null) router.singleData.problems.push({ path: input, message: 'empty archive: no entries' });
    top = result.topFolder ?? '';
  } else {
    for (const p of readSnapshotDir(root, limits, sink)) router.singleData.problems.push(p);
    top = basename(resolve(root));
  }
  const routed = router.finish();
  const problems = [
    ...routed.problems,
    ...(routed.bundle === null ? [] : router.singleData.problems),
    ...routed.views.flatMap((v) =>
      v.problems.map((q) => ({ path: routed.bundle === null ? q.path : `${v.source}: ${q.path}`, message: q.message })),
    ),
  ];
  if (problems.length > 0) {
    // One sentence naming the file and the first entry, as tree says it; validate lists them all.
    const first = problems[0] as { path: string; message: string };
    const rest = problems.length - 1;
    const more = rest > 0 ? ` (and ${rest} more ${rest === 1 ? 'problem' : 'problems'})` : '';
    throw new NsnapError('INVALID_SNAPSHOT', `${input}: ${first.path}: ${first.message}${more}; not redacting an invalid snapshot`, {
      exitCode: 1,
      hint: `run 'nsnap validate ${input}' for every problem`,
    });
  }
  if (routed.bundle === null) {
    single.view = routed.views[0] as ViewData;
    single.topFolder = top;
    if (single.view.manifest === null) throw new NsnapError('INVALID_SNAPSHOT', `${input}: no manifest`, { exitCode: 1 });
    return { levels: [single], bundle: null };
  }
  const levels: RawSnapshot[] = [];
  for (const level of routed.bundle.manifest.levels) {
    if (level.status !== 'captured' || level.folder === undefined) continue;
    const raw = perFolder.get(level.folder) as RawSnapshot;
    raw.view = routed.views.find((v) => v.source === levelSource(input, level.name)) as ViewData;
    raw.topFolder = level.folder;
    levels.push(raw);
  }
  return { levels, bundle: { topFolder: top, manifest: routed.bundle.manifest } };
}

/** One snapshot (not a bundle), for callers that handle one view. */
export async function readForRedaction(input: string, limits: Limits, progress?: ReadProgress): Promise<RawSnapshot> {
  const raw = await readInputForRedaction(input, limits, progress);
  if (raw.bundle !== null) throw new NsnapError('NOT_A_SNAPSHOT', `${input}: a bundle, not one snapshot`);
  return raw.levels[0] as RawSnapshot;
}
