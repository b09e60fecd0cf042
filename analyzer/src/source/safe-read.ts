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
