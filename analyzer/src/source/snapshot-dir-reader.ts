// Reads an extracted snapshot folder into entries, with the same limits and name policy
// as the tarball reader. Symlinks are read, never followed: an extracted snapshot from a
// stranger is as hostile as the tarball it came from.

import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Entry, EntrySink } from '../archive/entry.js';
import { LIMIT_INFO, type Limits } from '../archive/limits.js';
import { checkEntryName, printable } from '../archive/path-policy.js';
import type { EntryProblem } from '../archive/tar-reader.js';
import { NsnapError } from '../errors.js';

export function readSnapshotDir(root: string, limits: Limits, sink: EntrySink): EntryProblem[] {
  const problems: EntryProblem[] = [];
  let entries = 0;
  let bytes = 0;
  const over = (limit: keyof Limits): NsnapError =>
    new NsnapError('LIMIT_EXCEEDED', `${root}: exceeds the limit on ${LIMIT_INFO[limit].what} (${limits[limit]})`, {
      hint: `if the snapshot is genuine, raise it with ${LIMIT_INFO[limit].flag} N`,
    });

  const walk = (rel: string): void => {
    const names = readdirSync(rel === '' ? root : `${root}/${rel}`).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      entries += 1;
      if (entries > limits.maxEntries) throw over('maxEntries');
      const verdict = checkEntryName(`top/${path}`, limits.maxPathDepth);
      if (!verdict.ok) {
        if (verdict.reason.startsWith('deeper')) throw over('maxPathDepth');
        problems.push({ path: printable(path), message: `unsafe entry name: ${verdict.reason}` });
        continue;
      }
      const full = `${root}/${path}`;
      const st = lstatSync(full);
      let entry: Entry;
      if (st.isSymbolicLink()) entry = { path, kind: 'symlink', target: readlinkSync(full) };
      else if (st.isDirectory()) entry = { path, kind: 'dir' };
      else if (st.isFile()) {
        if (st.size > limits.maxEntrySize) throw over('maxEntrySize');
        bytes += st.size;
        if (bytes > limits.maxTotalBytes) throw over('maxTotalBytes');
        entry = { path, kind: 'file', data: readFileSync(full) };
      } else {
        problems.push({ path: printable(path), message: 'entry type is not allowed in a snapshot (device, FIFO or socket)' });
        continue;
      }
      sink(entry);
      if (entry.kind === 'dir') walk(path);
    }
  };
  walk('');
  return problems;
}
