// Opens one input of any kind: a .tar.gz snapshot or bundle, an extracted snapshot or
// bundle folder (or the folder tar -xzf left around it), a folder laid out like /proc, the
// live /proc, or `-`: a .tar.gz on standard input.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../archive/limits.js';
import { readTarGz, type ReadProgress } from '../archive/tar-reader.js';
import { NsnapError } from '../errors.js';
import { BUNDLE_MANIFEST } from '../snapshot/bundle-manifest.js';
import { InputRouter, type RoutedInput } from '../snapshot/bundle-router.js';
import { ViewBuilder } from '../snapshot/view-builder.js';
import type { ViewData } from '../snapshot/view-data.js';
import { readProcDir } from './proc-dir-reader.js';
import { readSnapshotDir } from './snapshot-dir-reader.js';

export const LIVE = '/proc';
/** The input name that means standard input. */
export const STDIN = '-';

export interface LoadOptions {
  limits?: Limits;
  progress?: ReadProgress;
  /** Reads standard input whole (the CLI passes it; tests pass a buffer). */
  readStdin?: () => Promise<Buffer>;
}

function looksLikeProc(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => /^[0-9]+$/.test(n) && existsSync(`${dir}/${n}/status`));
  } catch {
    return false;
  }
}

/** Finds where an input's snapshot root is, and what kind it is. */
export function resolveInput(input: string): { kind: ViewData['kind']; root: string } {
  if (input === STDIN) return { kind: 'tarball', root: input };
  let st;
  try {
    st = statSync(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NsnapError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR',
      `${input}: ${code === 'ENOENT' ? 'no such file or folder' : `cannot open (${code})`}`,
    );
  }
  if (st.isFile()) return { kind: 'tarball', root: input };
  if (!st.isDirectory()) throw new NsnapError('NOT_A_SNAPSHOT', `${input}: not a file or folder`);
  if (existsSync(`${input}/nsnap.json`) || existsSync(`${input}/${BUNDLE_MANIFEST}`)) return { kind: 'snapshot-dir', root: input };
  let names: string[] = [];
  try {
    names = readdirSync(input);
  } catch (e) {
    throw new NsnapError('IO_ERROR', `${input}: cannot list (${(e as NodeJS.ErrnoException).code})`);
  }
  const inner = names.filter((n) => existsSync(`${input}/${n}/nsnap.json`) || existsSync(`${input}/${n}/${BUNDLE_MANIFEST}`));
  if (inner.length === 1 && names.length === 1) return { kind: 'snapshot-dir', root: `${input}/${inner[0]}` };
  if (looksLikeProc(input)) return { kind: input === LIVE ? 'live' : 'proc-dir', root: input };
  throw new NsnapError('NOT_A_SNAPSHOT', `${input}: not a snapshot: no nsnap.json and no /proc-like PID folders`, {
    hint: 'give a .tar.gz from the collector, an extracted snapshot folder, or a folder laid out like /proc',
  });
}

/** Standard input, read whole, capped at the limit on total bytes (compressed is smaller). */
export async function readAllStdin(max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > max) {
      throw new NsnapError('LIMIT_EXCEEDED', `-: standard input holds more than ${max} bytes`, {
        hint: 'if the snapshot is genuine, raise it with --max-total-bytes N, or save it to a file first',
      });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}

/**
 * Every view one input holds: one for a snapshot or a /proc-like folder, one per captured
 * level for a bundle (docs/format.md#bundles), with the bundle's own problems.
 */
export async function loadInput(input: string, options: LoadOptions = {}): Promise<RoutedInput> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { kind, root } = resolveInput(input);
  const name = input === STDIN ? 'standard input (-)' : input;
  if (kind === 'tarball' || kind === 'snapshot-dir') {
    const router = new InputRouter(input === STDIN ? STDIN : input, kind);
    const sink = (e: Parameters<InputRouter['add']>[0]): void => router.add(e);
    if (kind === 'tarball') {
      let bytes: Buffer | undefined;
      if (input === STDIN) {
        bytes = await (options.readStdin ?? (() => readAllStdin(limits.maxTotalBytes)))();
        if (bytes.length === 0) {
          throw new NsnapError('NOT_FOUND', `${name}: standard input is empty`, {
            hint: "pipe a snapshot into it, e.g. 'sh nsnap-collect.sh -o - | nsnap tree -'",
          });
        }
      }
      const result = await readTarGz(input === STDIN ? STDIN : root, limits, sink, options.progress, bytes);
      for (const p of result.problems) router.singleData.problems.push(p);
      if (result.topFolder === null) router.singleData.problems.push({ path: input, message: 'empty archive: no entries' });
    } else {
      for (const p of readSnapshotDir(root, limits, sink)) router.singleData.problems.push(p);
    }
    const routed = router.finish();
    // Reader problems (unsafe names, entry types) belong to the input as a whole.
    if (routed.bundle !== null || routed.views.length === 0) {
      for (const p of router.singleData.problems) routed.problems.push(p);
    }
    return routed;
  }
  const builder = new ViewBuilder(input, kind);
  const { failed, vanished } = readProcDir(root, (e) => builder.add(e));
  const view = builder.finish();
  view.denied = failed;
  view.vanished = vanished;
  return { views: [view], bundle: null, problems: [] };
}

/** One view: a snapshot, a folder or /proc. A bundle is refused here; use loadInput. */
export async function loadView(input: string, options: LoadOptions = {}): Promise<ViewData> {
  const routed = await loadInput(input, options);
  if (routed.bundle === null && routed.views.length === 1 && routed.problems.length === 0) return routed.views[0] as ViewData;
  if (routed.bundle === null && routed.views.length === 0) {
    // An unreadable bundle manifest: report it as the view's problems.
    const builder = new ViewBuilder(input, 'tarball');
    const view = builder.data;
    view.problems.push(...routed.problems);
    return view;
  }
  throw new NsnapError('NOT_A_SNAPSHOT', `${input}: a bundle of ${routed.views.length} views, not one snapshot`, {
    hint: 'name the bundle to tree, ps, pid, diff or validate: they read every view in it',
  });
}
