// Reading a file inside a process's root (/proc/PID/root/etc/os-release) without ever
// leaving it. The kernel resolves an absolute symlink found below /proc/PID/root against
// the READER's root, so a hostile container could point os-release at the host's
// /etc/shadow. We walk the path ourselves: absolute targets restart at the process's
// root, '..' stops at it, and only a regular file is read.

import { closeSync, fstatSync, lstatSync, openSync, readlinkSync, readSync, constants } from 'node:fs';

const MAX_HOPS = 16;

export function readInsideRoot(root: string, relPath: string, maxBytes: number): Buffer | null {
  let parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const head = parts.shift() as string;
    if (head === '..') {
      done.pop();
      continue;
    }
    const candidate = `${root}/${[...done, head].join('/')}`;
    let st;
    try {
      st = lstatSync(candidate);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      hops += 1;
      if (hops > MAX_HOPS) return null;
      let target: string;
      try {
        target = readlinkSync(candidate);
      } catch {
        return null;
      }
      const targetParts = target.split('/').filter((p) => p !== '' && p !== '.');
      if (target.startsWith('/')) done.length = 0;
      parts = [...targetParts, ...parts];
      continue;
    }
    if (parts.length > 0 && !st.isDirectory()) return null;
    done.push(head);
  }
  const finalPath = `${root}/${done.join('/')}`;
  let fd: number;
  try {
    // O_NOFOLLOW: the last component was checked above; refuse if it changed to a link.
    fd = openSync(finalPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buf = Buffer.alloc(maxBytes);
    let total = 0;
    while (total < maxBytes) {
      const n = readSync(fd, buf, total, maxBytes - total, null);
      if (n === 0) break;
      total += n;
    }
    return buf.subarray(0, total);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A file that is not a regular file (FIFO, device, socket, folder): never read. */
export class NotRegularFile extends Error {
  readonly code = 'ENOTREG';
}

/**
 * Reads at most `maxBytes` of a regular file at `path`, never following a symlink in the
 * last component (O_NOFOLLOW: ELOOP), never blocking on a FIFO or reading a device
 * (O_NONBLOCK, then fstat: NotRegularFile). `size` is what fstat said, for limit checks;
 * procfs files say 0 and are read up to the cap.
 */
export function readRegularCapped(path: string, maxBytes: number): { data: Buffer; size: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFile(`${path}: not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < maxBytes) {
      // procfs files report size 0: read them in 64 KiB steps; others in one read plus one byte to see the end.
      const want = st.size > total ? st.size - total + 1 : 64 * 1024;
      const buf = Buffer.allocUnsafe(Math.min(maxBytes - total, want, 1 << 20));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
    }
    return { data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total), size: st.size };
  } finally {
    closeSync(fd);
  }
}
