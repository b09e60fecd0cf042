// Reads an extracted snapshot folder into entries, with the same limits and name policy
// as the tarball reader. Symlinks are read, never followed: an extracted snapshot from a
// stranger is as hostile as the tarball it came from. Names are read as bytes, so a name
// that is not UTF-8 is a problem of its own instead of a path that no longer exists.

import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import type { Entry, EntrySink } from '../archive/entry.js';
import { LIMIT_INFO, type Limits } from '../archive/limits.js';
import { checkEntryName, printable } from '../archive/path-policy.js';
import type { EntryProblem } from '../archive/tar-reader.js';
import { NsnapError } from '../errors.js';
import { NotRegularFile, readRegularCapped } from './safe-read.js';

export function readSnapshotDir(root: string, limits: Limits, sink: EntrySink): EntryProblem[] {
  const problems: EntryProblem[] = [];
  let entries = 0;
  let bytes = 0;
  const over = (limit: keyof Limits, path: string): NsnapError =>
    new NsnapError('LIMIT_EXCEEDED', `${root}: ${printable(path)}: exceeds the limit on ${LIMIT_INFO[limit].what} (${limits[limit]})`, {
      hint: `if the snapshot is genuine, raise it with ${LIMIT_INFO[limit].flag} N`,
    });
  /** A file system error while reading the folder: unusable input, named by entry. */
  const ioError = (path: string, e: unknown): NsnapError =>
    new NsnapError(
      'IO_ERROR',
      `${root}: ${printable(path || '.')}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      {
        hint: 'the folder changed or is not readable; extract the snapshot again, or give the .tar.gz',
      },
    );
  const notAllowed = 'entry type is not allowed in a snapshot (device, FIFO or socket)';

  const walk = (rel: string): void => {
    let raw: Buffer[];
    try {
      raw = readdirSync(rel === '' ? root : `${root}/${rel}`, { encoding: 'buffer' });
    } catch (e) {
      throw ioError(rel, e);
    }
    const names = raw.map((b) => ({ b, name: b.toString('utf8') })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const { b, name } of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      entries += 1;
      if (entries > limits.maxEntries) throw over('maxEntries', path);
      if (!Buffer.from(name, 'utf8').equals(b)) {
        problems.push({ path: printable(path), message: 'unsafe entry name: not valid UTF-8' });
        continue;
      }
      const verdict = checkEntryName(`top/${path}`, limits.maxPathDepth);
      if (!verdict.ok) {
        if (verdict.reason.startsWith('deeper')) throw over('maxPathDepth', path);
        problems.push({ path: printable(path), message: `unsafe entry name: ${verdict.reason}` });
        continue;
      }
      const full = `${root}/${path}`;
      let entry: Entry;
      try {
        const st = lstatSync(full);
        if (st.isSymbolicLink()) entry = { path, kind: 'symlink', target: readlinkSync(full) };
        else if (st.isDirectory()) entry = { path, kind: 'dir' };
        else if (st.isFile()) {
          if (st.size > limits.maxEntrySize) throw over('maxEntrySize', path);
          // Read through O_NOFOLLOW|O_NONBLOCK: a file swapped for a FIFO or link is refused, not waited on.
          const { data } = readRegularCapped(full, limits.maxEntrySize + 1);
          if (data.length > limits.maxEntrySize) throw over('maxEntrySize', path);
          bytes += data.length;
          if (bytes > limits.maxTotalBytes) throw over('maxTotalBytes', path);
          entry = { path, kind: 'file', data };
        } else {
          problems.push({ path: printable(path), message: notAllowed });
          continue;
        }
      } catch (e) {
        if (e instanceof NsnapError) throw e;
        if (e instanceof NotRegularFile || (e as NodeJS.ErrnoException).code === 'ELOOP') {
          problems.push({ path: printable(path), message: notAllowed });
          continue;
        }
        throw ioError(path, e);
      }
      sink(entry);
      if (entry.kind === 'dir') walk(path);
    }
  };
  walk('');
  return problems;
}
