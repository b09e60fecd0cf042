// Opens one input of any kind: a .tar.gz snapshot, an extracted snapshot folder (or the
// folder tar -xzf left around it), a folder laid out like /proc, or the live /proc.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../archive/limits.js';
import { readTarGz, type ReadProgress } from '../archive/tar-reader.js';
import { NsnapError } from '../errors.js';
import { ViewBuilder } from '../snapshot/view-builder.js';
import type { ViewData } from '../snapshot/view-data.js';
import { readProcDir } from './proc-dir-reader.js';
import { readSnapshotDir } from './snapshot-dir-reader.js';

export const LIVE = '/proc';

export interface LoadOptions {
  limits?: Limits;
  progress?: ReadProgress;
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
  if (existsSync(`${input}/nsnap.json`)) return { kind: 'snapshot-dir', root: input };
  let names: string[] = [];
  try {
    names = readdirSync(input);
  } catch (e) {
    throw new NsnapError('IO_ERROR', `${input}: cannot list (${(e as NodeJS.ErrnoException).code})`);
  }
  const inner = names.filter((n) => existsSync(`${input}/${n}/nsnap.json`));
  if (inner.length === 1 && names.length === 1) return { kind: 'snapshot-dir', root: `${input}/${inner[0]}` };
  if (looksLikeProc(input)) return { kind: input === LIVE ? 'live' : 'proc-dir', root: input };
  throw new NsnapError('NOT_A_SNAPSHOT', `${input}: not a snapshot: no nsnap.json and no /proc-like PID folders`, {
    hint: 'give a .tar.gz from the collector, an extracted snapshot folder, or a folder laid out like /proc',
  });
}

export async function loadView(input: string, options: LoadOptions = {}): Promise<ViewData> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { kind, root } = resolveInput(input);
  const builder = new ViewBuilder(input, kind);
  const sink = (e: Parameters<ViewBuilder['add']>[0]): void => builder.add(e);
  if (kind === 'tarball') {
    const result = await readTarGz(root, limits, sink, options.progress);
    for (const p of result.problems) builder.data.problems.push(p);
    if (result.topFolder === null) builder.data.problems.push({ path: input, message: 'empty archive: no entries' });
    return builder.finish();
  }
  if (kind === 'snapshot-dir') {
    for (const p of readSnapshotDir(root, limits, sink)) builder.data.problems.push(p);
    return builder.finish();
  }
  const { failed, vanished } = readProcDir(root, sink);
  const view = builder.finish();
  view.denied = failed;
  view.vanished = vanished;
  return view;
}
