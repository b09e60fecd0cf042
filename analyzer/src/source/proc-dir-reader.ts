// Reads a folder laid out like /proc, the live /proc included, into entries. Only the
// files the format names are read; links are read with readlink, never followed, and only
// regular files are read (a FIFO or device in a hostile folder is a failed read, not a
// hang), at most 4 MiB each. Reads that fail are recorded the way the collector records
// them: denied or vanished.

import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import type { EntrySink } from '../archive/entry.js';
import { NS_LINK_NAMES } from '../procfs/ns-link.js';
import { parsePid } from '../procfs/numbers.js';
import { readInsideRoot, readRegularCapped } from './safe-read.js';
import type { FailedRead } from '../snapshot/view-data.js';

const FILES = ['status', 'stat', 'cmdline', 'comm', 'cgroup'] as const;
const VIEW_FILES = ['uptime', 'sys/kernel/hostname', 'sys/kernel/osrelease', 'sys/kernel/version', 'sys/kernel/random/boot_id'];
const MAX_FILE = 4 * 1024 * 1024;

export interface ProcDirResult {
  failed: FailedRead[];
  vanished: number[];
}

function errnoOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'other';
  return ['EACCES', 'EPERM', 'ENOENT', 'ESRCH', 'EIO'].includes(code) ? code : 'other';
}

function readCapped(path: string): Buffer {
  return readRegularCapped(path, MAX_FILE).data;
}

export function readProcDir(dir: string, sink: EntrySink): ProcDirResult {
  const failed: FailedRead[] = [];
  const vanished: number[] = [];
  for (const rel of VIEW_FILES) {
    try {
      sink({ path: `proc/${rel}`, kind: 'file', data: readCapped(`${dir}/${rel}`) });
    } catch {
      // A fake /proc tree may not have these; the view is then simply less described.
    }
  }
  let selfPid: number | null = null;
  try {
    const target = readlinkSync(`${dir}/self`);
    selfPid = parsePid(target);
    if (selfPid !== null) sink({ path: 'proc/self', kind: 'symlink', target });
  } catch {
    // no self link in a fake tree
  }
  const names = readdirSync(dir);
  const pids = names.map((n) => parsePid(n)).filter((p): p is number => p !== null && names.includes(String(p)));
  pids.sort((a, b) => a - b);
  for (const pid of pids) {
    const base = `${dir}/${pid}`;
    let gotAny = false;
    let isInit = false;
    for (const file of FILES) {
      try {
        const data = readCapped(`${base}/${file}`);
        sink({ path: `proc/${pid}/${file}`, kind: 'file', data });
        gotAny = true;
        if (file === 'status') isInit = /^NSpid:.*\s1\s*$/m.test(data.toString('utf8'));
      } catch (e) {
        if (!existsSync(base)) break;
        failed.push({ path: `proc/${pid}/${file}`, error: errnoOf(e) });
      }
    }
    if (!existsSync(base)) {
      vanished.push(pid);
      continue;
    }
    for (const link of NS_LINK_NAMES) {
      try {
        sink({ path: `proc/${pid}/ns/${link}`, kind: 'symlink', target: readlinkSync(`${base}/ns/${link}`) });
      } catch (e) {
        const code = errnoOf(e);
        // Old kernels lack time and time_for_children; a missing link is not a failure.
        if (code !== 'ENOENT') failed.push({ path: `proc/${pid}/ns/${link}`, error: code });
      }
    }
    if (gotAny && (isInit || pid === selfPid)) {
      for (const file of ['os-release', 'wsl.conf']) {
        const data = readInsideRoot(`${base}/root`, `etc/${file}`, 64 * 1024);
        if (data !== null) sink({ path: `proc/${pid}/root/etc/${file}`, kind: 'file', data });
      }
    }
  }
  return { failed, vanished };
}
