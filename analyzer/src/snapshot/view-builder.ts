// Turns a stream of entries (from a tarball, a folder or live /proc) into ViewData. The
// layout rules of docs/format.md are enforced here, once, for every input kind.

import type { Entry } from '../archive/entry.js';
import { parseCmdline } from '../procfs/cmdline.js';
import { isNsLinkName, linkType, parseNsTarget } from '../procfs/ns-link.js';
import { parsePid } from '../procfs/numbers.js';
import { parseIni, parseOsRelease } from '../procfs/os-release.js';
import { parseStat } from '../procfs/stat.js';
import { parseStatus, type ParseIssue } from '../procfs/status.js';
import { checkManifest, type Manifest } from './manifest.js';
import { parseLsns } from './lsns.js';
import { newProcRecord, type InputKind, type ProcRecord, type ViewData } from './view-data.js';

const PROC_FILES = new Set(['status', 'stat', 'cmdline', 'comm', 'cgroup']);
const VIEW_FILES = new Set([
  'proc/uptime',
  'proc/sys/kernel/hostname',
  'proc/sys/kernel/osrelease',
  'proc/sys/kernel/version',
  'proc/sys/kernel/random/boot_id',
]);
const VIEW_DIRS = new Set(['proc', 'proc/sys', 'proc/sys/kernel', 'proc/sys/kernel/random']);
const ROOT_FILES = new Set(['os-release', 'wsl.conf']);
const MAX_SMALL_FILE = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** The first `max` bytes as UTF-8, without an intermediate Buffer view. */
function text(data: Buffer, max: number): string {
  return data.toString('utf8', 0, Math.min(data.length, max));
}

export class ViewBuilder {
  private readonly view: ViewData;
  private manifestText: string | null = null;
  private lsnsText: string | null = null;
  private readonly viewFiles = new Map<string, string>();
  private selfTarget: string | null = null;
  private readonly dirs = new Set<string>();
  /** Non-directory paths outside proc/<pid>/, for duplicate detection. */
  private readonly seenOther = new Set<string>();
  private lastPidName = '';
  private lastRec: ProcRecord | null = null;

  constructor(source: string, kind: InputKind) {
    this.view = {
      source,
      kind,
      manifest: null,
      label: '',
      bootId: null,
      hostname: null,
      kernelRelease: null,
      kernelVersion: null,
      selfPid: null,
      euid: null,
      procs: new Map(),
      lsns: null,
      wslconfig: null,
      problems: [],
      denied: [],
      vanished: [],
    };
  }

  get data(): ViewData {
    return this.view;
  }

  private problem(path: string, message: string): void {
    if (this.view.problems.length < 1000) this.view.problems.push({ path, message });
  }

  /**
   * The record for a PID folder name, or null when the name is not a canonical PID.
   * Entries arrive grouped by process, so the last folder's record is kept at hand.
   */
  private procFor(name: string): ProcRecord | null {
    if (name === this.lastPidName && this.lastRec !== null) return this.lastRec;
    const pid = parsePid(name);
    if (pid === null || name !== String(pid)) return null;
    let rec = this.view.procs.get(pid);
    if (!rec) {
      rec = newProcRecord(pid);
      this.view.procs.set(pid, rec);
    }
    this.lastPidName = name;
    this.lastRec = rec;
    return rec;
  }

  add(entry: Entry): void {
    const { path } = entry;
    const parts = entry.parts ?? path.split('/');
    if (entry.kind === 'dir') {
      if (this.dirs.has(path)) return this.problem(path, 'duplicate entry');
      this.dirs.add(path);
    }
    // Nearly every entry lies in a PID folder: those go straight to addProcEntry, which
    // finds duplicates through the record it fills in, without hashing the path.
    const second = parts[1];
    if (parts.length > 1 && parts[0] === 'proc' && second !== undefined && isDigit(second.charCodeAt(0))) {
      return this.addProcEntry(entry, parts);
    }
    if (entry.kind !== 'dir' && this.seenOther.has(path)) return this.problem(path, 'duplicate entry');
    if (path === 'nsnap.json' || path === 'lsns.json' || path === 'wslconfig') {
      this.seenOther.add(path);
      if (entry.kind !== 'file') return this.problem(path, `must be a regular file, not a ${entry.kind}`);
      const text = (entry.data ?? Buffer.alloc(0)).toString('utf8');
      if (path === 'nsnap.json') this.manifestText = text;
      else if (path === 'lsns.json') this.lsnsText = text;
      else this.view.wslconfig = parseIni(text);
      return;
    }
    if (!path.startsWith('proc/') && path !== 'proc') return this.problem(path, 'unexpected entry: not part of the snapshot format');
    if (VIEW_DIRS.has(path)) {
      if (entry.kind !== 'dir') this.problem(path, `must be a folder, not a ${entry.kind}`);
      return;
    }
    if (VIEW_FILES.has(path)) {
      this.seenOther.add(path);
      if (entry.kind !== 'file') return this.problem(path, `must be a regular file, not a ${entry.kind}`);
      this.viewFiles.set(path, (entry.data ?? Buffer.alloc(0)).subarray(0, MAX_SMALL_FILE).toString('utf8').trim());
      return;
    }
    if (path === 'proc/self') {
      this.seenOther.add(path);
      if (entry.kind !== 'symlink') return this.problem(path, `must be a symlink to the collector's PID, not a ${entry.kind}`);
      this.selfTarget = entry.target ?? '';
      if (parsePid(this.selfTarget) === null) this.problem(path, `symlink target '${clip(this.selfTarget)}' is not a PID`);
      return;
    }
    this.addProcEntry(entry, parts);
  }

  /** An entry below proc/<digits>/. */
  private addProcEntry(entry: Entry, parts: string[]): void {
    const { path } = entry;
    const rec = this.procFor(parts[1] ?? '');
    if (rec === null) return this.problem(path, 'unexpected entry: not a PID folder');
    // parts: 'proc', '<pid>', then what lies below the PID folder (indexes 2..).
    const depth = parts.length - 2;
    const a = parts[2];
    const b = parts[3];
    if (depth === 0 || (depth === 1 && (a === 'ns' || a === 'root')) || (depth === 2 && a === 'root' && b === 'etc')) {
      if (entry.kind !== 'dir') this.problem(path, `must be a folder, not a ${entry.kind}`);
      return;
    }
    if (depth === 1 && PROC_FILES.has(a as string)) {
      if (entry.kind !== 'file') return this.problem(path, `must be a regular file, not a ${entry.kind}`);
      if (hasFile(rec, a as string)) return this.problem(path, 'duplicate entry');
      this.procFile(rec, a as string, entry.data ?? EMPTY, path);
      return;
    }
    if (depth === 2 && a === 'ns') {
      const name = b as string;
      if (!isNsLinkName(name)) return this.problem(path, `unknown namespace link '${clip(name)}'`);
      if (entry.kind !== 'symlink') return this.problem(path, `must be a symlink, not a ${entry.kind}`);
      const target = entry.target ?? '';
      const parsed = parseNsTarget(target);
      if (parsed === null) return this.problem(path, `symlink target '${clip(target)}' is not a namespace link`);
      if (parsed.type !== linkType(name)) return this.problem(path, `symlink target '${clip(target)}' has the wrong type for '${name}'`);
      if (rec.ns[name] !== undefined) return this.problem(path, 'duplicate entry');
      rec.ns[name] = parsed.inode;
      return;
    }
    if (depth === 3 && a === 'root' && b === 'etc' && ROOT_FILES.has(parts[4] as string)) {
      if (entry.kind !== 'file') return this.problem(path, `must be a regular file, not a ${entry.kind}`);
      if ((parts[4] === 'os-release' ? rec.osRelease : rec.wslConf) !== null) return this.problem(path, 'duplicate entry');
      const text = (entry.data ?? Buffer.alloc(0)).subarray(0, MAX_SMALL_FILE).toString('utf8');
      if (parts[4] === 'os-release') rec.osRelease = parseOsRelease(text);
      else rec.wslConf = parseIni(text);
      return;
    }
    this.problem(path, 'unexpected entry: not part of the snapshot format');
  }

  private procFile(rec: ProcRecord, name: string, data: Buffer, path: string): void {
    const issues: ParseIssue[] = [];
    switch (name) {
      case 'status':
        rec.status = parseStatus(text(data, MAX_SMALL_FILE), issues);
        if (rec.status.pid !== null && rec.status.nspid !== null && rec.status.nspid[0] !== rec.pid) {
          issues.push({ field: 'NSpid', message: `first entry ${rec.status.nspid[0]} is not the folder's PID ${rec.pid}` });
        }
        break;
      case 'stat':
        rec.stat = parseStat(text(data, MAX_SMALL_FILE), issues);
        break;
      case 'comm':
        rec.comm = text(data, 256).replace(/\n$/, '');
        break;
      case 'cmdline':
        rec.cmdline = parseCmdline(data);
        break;
      case 'cgroup':
        rec.cgroup = text(data, MAX_SMALL_FILE)
          .split('\n')
          .filter((l) => l !== '')
          .slice(0, 64);
        break;
      default:
        break;
    }
    for (const issue of issues) this.problem(path, `${issue.field}: ${issue.message}`);
  }

  /** Call after the last entry: reads the manifest and cross-checks it with the content. */
  finish(): ViewData {
    const v = this.view;
    if (this.manifestText !== null) this.readManifest(this.manifestText);
    else if (v.kind === 'tarball' || v.kind === 'snapshot-dir')
      this.problem('nsnap.json', 'missing: every snapshot starts with its manifest');
    if (this.lsnsText !== null) {
      const rows = parseLsns(this.lsnsText);
      if (rows === null) this.problem('lsns.json', 'not lsns JSON output');
      else v.lsns = rows;
    }
    const m = v.manifest;
    v.bootId = m?.view.boot_id ?? this.viewFiles.get('proc/sys/kernel/random/boot_id') ?? null;
    v.hostname = m?.view.hostname ?? this.viewFiles.get('proc/sys/kernel/hostname') ?? null;
    v.kernelRelease = m?.view.kernel?.release ?? this.viewFiles.get('proc/sys/kernel/osrelease') ?? null;
    v.kernelVersion = m?.view.kernel?.version ?? this.viewFiles.get('proc/sys/kernel/version') ?? null;
    const selfFromLink = this.selfTarget === null ? null : parsePid(this.selfTarget);
    v.selfPid = m?.view.self_pid ?? selfFromLink;
    if (m && selfFromLink !== null && m.view.self_pid != null && m.view.self_pid !== selfFromLink) {
      this.problem('proc/self', `points to ${selfFromLink} but the manifest says self_pid ${m.view.self_pid}`);
    }
    v.euid = m?.view.euid ?? null;
    if (v.euid === null && v.selfPid !== null) v.euid = v.procs.get(v.selfPid)?.status?.uid ?? null;
    v.label = m?.label || v.hostname || v.source;
    if (m) {
      const withStatus = countWithStatus(v);
      if (m.counts.processes !== withStatus) {
        this.problem('nsnap.json', `counts.processes is ${m.counts.processes} but the archive holds ${withStatus} processes with a status`);
      }
    }
    return v;
  }

  private readManifest(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.problem('nsnap.json', `not valid JSON (${(e as Error).message})`);
      return;
    }
    const problems = checkManifest(value);
    for (const p of problems) this.problem('nsnap.json', p);
    if (problems.length > 0) return;
    const m = value as Manifest;
    this.view.manifest = m;
    this.view.denied = [...m.denied, ...(m.errors ?? [])];
    this.view.vanished = [...m.vanished];
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hasFile(rec: ProcRecord, name: string): boolean {
  switch (name) {
    case 'status':
      return rec.status !== null;
    case 'stat':
      return rec.stat !== null;
    case 'comm':
      return rec.comm !== null;
    case 'cmdline':
      return rec.cmdline !== null;
    default:
      return rec.cgroup !== null;
  }
}

function countWithStatus(v: ViewData): number {
  let n = 0;
  for (const rec of v.procs.values()) if (rec.status !== null) n += 1;
  return n;
}

function clip(s: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return safe.length > 60 ? `${safe.slice(0, 60)}…` : safe;
}
