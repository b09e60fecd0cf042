// Streams a format-v1 snapshot (.tar.gz) from a spec: the manifest first, then the view's
// own files, then one folder per process in ascending PID order. Used by the generator
// and by `redact`, which re-emits a snapshot it has read. Nothing is held in memory beyond
// one process entry, so 100k-process snapshots stream in constant space.
//
// Output is deterministic: fixed mtime, owner and modes, no user/group names, a fixed gzip
// level and entries in a fixed order, so the same spec always gives the same bytes.

import { createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Pack } from 'tar-stream';
import { NS_LINK_NAMES, linkType, type NsLinkName } from '../procfs/ns-link.js';
import type { Manifest } from './manifest.js';

/** One process folder: any file may be absent (denied, vanished, --no-cmdline). */
export interface ProcEntry {
  pid: number;
  status?: string | Buffer;
  stat?: string | Buffer;
  cmdline?: string | Buffer;
  comm?: string | Buffer;
  cgroup?: string | Buffer;
  /** Inode per readable link; links left out were not readable. */
  ns?: Partial<Record<NsLinkName, number>>;
  osRelease?: string | Buffer;
  wslConf?: string | Buffer;
}

/** The view-level files below proc/; each is written only when given. */
export interface ViewFiles {
  uptime?: string;
  hostname?: string;
  osrelease?: string;
  version?: string;
  bootId?: string;
}

export interface SnapshotSpec {
  /** The single top folder, e.g. "nsnap-vm-debug-shell-20261129T034000Z". */
  topFolder: string;
  manifest: Manifest;
  view: ViewFiles;
  /** Target of proc/self; omitted when null. */
  selfPid: number | null;
  /** lsns -J output, written as lsns.json. */
  lsns?: string | null;
  /** The captured .wslconfig, written as wslconfig. */
  wslconfig?: string | null;
  /** Must yield ascending, unique PIDs (the writer checks and throws otherwise). */
  processes: AsyncIterable<ProcEntry> | Iterable<ProcEntry>;
}

export interface WriteOptions {
  /** zlib level; fixed so output is reproducible. */
  gzipLevel?: number;
}

const EPOCH = new Date(0);
const PROC_FILE_ORDER = ['status', 'stat', 'cmdline', 'comm', 'cgroup'] as const;
/** Entries queued in tar-stream before the writer waits for one to flush. */
const IN_FLIGHT = 64;

export class SnapshotWriteError extends Error {
  readonly code = 'SNAPSHOT_WRITE';
}

/** Writes one snapshot to `file`. Resolves when the file is complete and closed. */
export async function writeSnapshot(file: string, spec: SnapshotSpec, options: WriteOptions = {}): Promise<void> {
  await writeTar(file, options, async (pack) => {
    await emitAll(pack, spec, spec.topFolder);
  });
}

/** A bundle (docs/format.md#bundles): its top folder, its manifest text, one snapshot per captured level. */
export interface BundleSpec {
  topFolder: string;
  manifest: string;
  levels: SnapshotSpec[];
}

/** Writes a bundle: the top folder, nsnap-bundle.json first, then each level's snapshot folder below it. */
export async function writeBundle(file: string, bundle: BundleSpec, options: WriteOptions = {}): Promise<void> {
  checkTop(bundle.topFolder);
  await writeTar(file, options, async (pack) => {
    const out = new Emitter(pack, bundle.topFolder);
    await out.push({ name: `${bundle.topFolder}/`, type: 'directory', mode: 0o755, mtime: EPOCH, uid: 0, gid: 0 });
    await out.file('nsnap-bundle.json', bundle.manifest);
    await out.flush();
    for (const level of bundle.levels) await emitAll(pack, level, `${bundle.topFolder}/${level.topFolder}`);
  });
}

async function writeTar(file: string, options: WriteOptions, emit: (pack: Pack) => Promise<void>): Promise<void> {
  const pack = tar.pack();
  const gzip = createGzip({ level: options.gzipLevel ?? 6, memLevel: 8, strategy: zc.Z_DEFAULT_STRATEGY });
  const done = pipeline(pack, new Coalesce(), gzip, createWriteStream(file));
  try {
    await emit(pack);
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  await done;
}

/**
 * tar-stream pushes every 512-byte header as its own chunk, and zlib runs one thread-pool
 * job per written chunk; batching them into large blocks makes writing ~20x faster.
 * Output bytes do not depend on the batching.
 */
class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= 1 << 18) this.release();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.release();
    cb();
  }

  private release(): void {
    if (this.size === 0) return;
    this.push(Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
  }
}

class Emitter {
  private pending: Promise<void>[] = [];

  constructor(
    private readonly pack: Pack,
    private readonly top: string,
  ) {}

  async push(header: Parameters<Pack['entry']>[0], data?: Buffer): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (data === undefined) this.pack.entry(header, cb);
      else this.pack.entry(header, data, cb);
    });
    // A failure surfaces at the next flush; the no-op handler keeps Node from reporting
    // it as unhandled in between.
    p.catch(() => undefined);
    this.pending.push(p);
    if (this.pending.length >= IN_FLIGHT) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    await Promise.all(batch);
  }

  dir(path: string): Promise<void> {
    return this.push({ name: `${this.top}/${path}/`, type: 'directory', mode: 0o755, mtime: EPOCH, uid: 0, gid: 0 });
  }

  file(path: string, data: string | Buffer): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.push({ name: `${this.top}/${path}`, type: 'file', mode: 0o644, mtime: EPOCH, uid: 0, gid: 0, size: buf.length }, buf);
  }

  symlink(path: string, target: string): Promise<void> {
    return this.push({ name: `${this.top}/${path}`, type: 'symlink', linkname: target, mode: 0o777, mtime: EPOCH, uid: 0, gid: 0 });
  }
}

function checkTop(top: string): void {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(top)) {
    throw new SnapshotWriteError(`top folder '${top}' must be 1-200 characters of [A-Za-z0-9._-]`);
  }
}

/** One snapshot's entries below `top` (its own top folder, or bundle/level). */
async function emitAll(pack: Pack, spec: SnapshotSpec, top: string): Promise<void> {
  checkTop(spec.topFolder);
  const out = new Emitter(pack, top);
  await out.push({ name: `${top}/`, type: 'directory', mode: 0o755, mtime: EPOCH, uid: 0, gid: 0 });
  await out.file('nsnap.json', `${JSON.stringify(spec.manifest, null, 2)}\n`);
  if (spec.lsns != null) await out.file('lsns.json', spec.lsns);
  if (spec.wslconfig != null) await out.file('wslconfig', spec.wslconfig);
  await out.dir('proc');
  if (spec.selfPid !== null) await out.symlink('proc/self', String(spec.selfPid));
  const v = spec.view;
  if (v.uptime !== undefined) await out.file('proc/uptime', v.uptime);
  const kernelFiles: [string, string | undefined][] = [
    ['hostname', v.hostname],
    ['osrelease', v.osrelease],
    ['version', v.version],
  ];
  if (kernelFiles.some(([, t]) => t !== undefined) || v.bootId !== undefined) {
    await out.dir('proc/sys');
    await out.dir('proc/sys/kernel');
    for (const [name, text] of kernelFiles) if (text !== undefined) await out.file(`proc/sys/kernel/${name}`, text);
    if (v.bootId !== undefined) {
      await out.dir('proc/sys/kernel/random');
      await out.file('proc/sys/kernel/random/boot_id', v.bootId);
    }
  }

  let last = 0;
  for await (const p of spec.processes) {
    if (!Number.isSafeInteger(p.pid) || p.pid <= last) {
      throw new SnapshotWriteError(`process PIDs must be ascending and unique: ${p.pid} after ${last}`);
    }
    last = p.pid;
    await emitProcess(out, p);
  }
  await out.flush();
}

async function emitProcess(out: Emitter, p: ProcEntry): Promise<void> {
  const base = `proc/${p.pid}`;
  await out.dir(base);
  for (const name of PROC_FILE_ORDER) {
    const data = p[name];
    if (data !== undefined) await out.file(`${base}/${name}`, data);
  }
  const ns = p.ns ?? {};
  const links = NS_LINK_NAMES.filter((n) => ns[n] !== undefined);
  if (links.length > 0) {
    await out.dir(`${base}/ns`);
    for (const name of links) await out.symlink(`${base}/ns/${name}`, `${linkType(name)}:[${ns[name] as number}]`);
  }
  if (p.osRelease !== undefined || p.wslConf !== undefined) {
    await out.dir(`${base}/root`);
    await out.dir(`${base}/root/etc`);
    if (p.osRelease !== undefined) await out.file(`${base}/root/etc/os-release`, p.osRelease);
    if (p.wslConf !== undefined) await out.file(`${base}/root/etc/wsl.conf`, p.wslConf);
  }
}
