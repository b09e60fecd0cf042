// Reads a snapshot for redaction: every entry goes through the same reader, limits and
// view builder as `loadView` (so the same snapshots are refused), and the raw bytes of
// each file are kept, because redaction rewrites files rather than the parsed view.
// The writer needs processes in PID order and archives need not be in that order, so the
// files are held in memory: about the uncompressed size, bounded by --max-total-bytes.

import { basename, resolve } from 'node:path';
import type { Entry } from '../archive/entry.js';
import type { Limits } from '../archive/limits.js';
import { readTarGz, type ReadProgress } from '../archive/tar-reader.js';
import { NsnapError } from '../errors.js';
import { resolveInput } from '../source/load.js';
import { readSnapshotDir } from '../source/snapshot-dir-reader.js';
import { ViewBuilder } from '../snapshot/view-builder.js';
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

/**
 * Reads a .tar.gz or extracted snapshot. Throws INVALID_SNAPSHOT (exit 1) naming the
 * first problem when the view builder finds any: a snapshot that does not validate is not
 * re-emitted, since what the writer would drop or keep is then anyone's guess.
 */
export async function readForRedaction(input: string, limits: Limits, progress?: ReadProgress): Promise<RawSnapshot> {
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
  const builder = new ViewBuilder(input, kind);
  const raw: RawSnapshot = { topFolder: '', files: new Map(), procs: new Map(), selfTarget: null, view: builder.data };
  const sink = (e: Entry): void => {
    builder.add(e);
    store(raw, e);
  };
  if (kind === 'tarball') {
    const result = await readTarGz(root, limits, sink, progress);
    for (const p of result.problems) builder.data.problems.push(p);
    if (result.topFolder === null) builder.data.problems.push({ path: input, message: 'empty archive: no entries' });
    raw.topFolder = result.topFolder ?? '';
  } else {
    for (const p of readSnapshotDir(root, limits, sink)) builder.data.problems.push(p);
    raw.topFolder = basename(resolve(root));
  }
  raw.view = builder.finish();
  const problems = raw.view.problems;
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
  if (raw.view.manifest === null) {
    throw new NsnapError('INVALID_SNAPSHOT', `${input}: no manifest`, { exitCode: 1 });
  }
  return raw;
}
