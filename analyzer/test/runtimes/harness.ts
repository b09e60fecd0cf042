// Live tests with real container runtimes and sandboxes (docs/runtimes.md). Each test
// file starts one runtime's workload, captures it from the host (as root) and, where the
// runtime lets us in, from inside; the analyzer then merges the views, and the model is
// checked against the kernel: `lsns` PNS for every PID and user namespace's parent,
// NPROCS for the number of processes, and the true role and name of every namespace of
// every type of the workload.
//
// The machine is prepared by scripts/ci-runtimes.sh (packages, dockerd, the unprivileged
// user). Under CI=true a runtime that cannot start fails its test with the reason;
// elsewhere the test is skipped with the reason.

import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { NS_TYPES, type NsType } from '../../src/procfs/ns-link.js';
import { cli } from '../helpers/run-cli.js';
import { privateDir, runCollector } from '../helpers/collector-run.js';
import { liveSkipReason, toolMissing } from '../helpers/gate.js';
import { extract } from '../helpers/snapshot-files.js';

export const RUNTIME_USER = process.env.NSNAP_RUNTIME_USER ?? 'nsnaprt';
// The analyzer's own list: one vocabulary of types (procfs/ns-link.ts) for code and tests.
export { NS_TYPES, type NsType };

/** The long sleep every workload runs: recognisable, and it outlives any test. */
export const SLEEP = 'sleep 100000';

export function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

// --- running things ----------------------------------------------------------------------

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; returns its result whatever the exit status. */
export function tryRun(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Ran {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) return { status: null, stdout: '', stderr: String(r.error.message) };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command and throws, with its stderr, when it fails. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): string {
  const r = tryRun(cmd, args, opts);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 800)}`);
  }
  return r.stdout;
}

/** A word quoted for sh. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The runtime user's uid, or null. */
export function runtimeUid(): number | null {
  const r = tryRun('id', ['-u', RUNTIME_USER]);
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

/** A shell command line run as the unprivileged runtime user, in its home, with its runtime folder. */
export function asUserArgs(command: string): [string, string[]] {
  const uid = runtimeUid();
  return ['su', [RUNTIME_USER, '-s', '/bin/sh', '-c', `cd ~ && export XDG_RUNTIME_DIR=/run/user/${uid} && ${command}`]];
}

export function runAsUser(command: string, opts: { timeoutMs?: number } = {}): string {
  const [cmd, args] = asUserArgs(command);
  return run(cmd, args, opts);
}

export function tryAsUser(command: string, opts: { timeoutMs?: number } = {}): Ran {
  const [cmd, args] = asUserArgs(command);
  return tryRun(cmd, args, opts);
}

/** Why this machine cannot run a runtime's test: root, tools, the runtime user. */
export function baseReason(tools: string[], needUser = false): string | null {
  const reasons: string[] = [];
  const live = liveSkipReason();
  if (live !== null) reasons.push(live);
  for (const t of [...tools, 'lsns', 'nsenter']) {
    const m = toolMissing(t);
    if (m !== null) reasons.push(m);
  }
  if (needUser && runtimeUid() === null) reasons.push(`user ${RUNTIME_USER} does not exist (scripts/ci-runtimes.sh makes it)`);
  return reasons.length > 0 ? `${reasons.join('; ')}; run scripts/ci-runtimes.sh as root` : null;
}

/**
 * A runtime test's gate: call at the start of each test with the reason the runtime
 * could not be started (null when it runs). Under CI the test fails with the reason;
 * elsewhere it is skipped with it.
 */
export function needRuntime(name: string, reason: string | null, ctx: { skip: (note?: string) => void }): void {
  if (reason === null) return;
  if (underCi()) throw new Error(`${name} cannot run under CI: ${reason}`);
  console.log(`skipping ${name}: ${reason}`);
  ctx.skip(reason);
}

/** Waits until `probe` returns a value (not null), or throws after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => T | null, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- /proc of the host ----------------------------------------------------------------------

export function nsLinks(pid: number): Partial<Record<NsType, number>> {
  const out: Partial<Record<NsType, number>> = {};
  for (const t of NS_TYPES) {
    try {
      out[t] = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1]);
    } catch {
      // not readable, or the kernel has no such type
    }
  }
  return out;
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Every descendant of `pid`, breadth first (children read from /proc). */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const kid of childrenOf(queue.shift() as number)) {
      out.push(kid);
      queue.push(kid);
    }
  }
  return out;
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Host PIDs whose command line starts with `prefix` (and, given, run by uid). */
export function pidsByCmdline(prefix: string, uid?: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[1-9][0-9]*$/.test(name)) continue;
    const pid = Number(name);
    if (!cmdlineOf(pid).startsWith(prefix)) continue;
    if (uid !== undefined) {
      try {
        const st = readFileSync(`/proc/${pid}/status`, 'utf8');
        if (Number(/^Uid:\s+(\d+)/m.exec(st)?.[1]) !== uid) continue;
      } catch {
        continue;
      }
    }
    out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

// --- images --------------------------------------------------------------------------------

let rootfs: string | null = null;

/**
 * A root filesystem of nothing but busybox, its applet links and the shared libraries it
 * loads (Debian's `busybox` is dynamic; `busybox-static` would shadow PATH wrappers that
 * other tests rely on), plus the os-release files that nspawn and the collector look
 * for, in a folder anyone can read.
 */
export function busyboxRootfs(): string {
  if (rootfs !== null) return rootfs;
  const busybox = run('sh', ['-c', 'command -v busybox']).trim();
  const dir = privateDir('rootfs');
  chmodSync(dir, 0o755);
  for (const d of ['bin', 'sbin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'run', 'usr/lib', 'var'])
    mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  // `ldd` names each library (`libc.so.6 => /lib/…`) and the loader (`/lib64/ld-…`);
  // a static busybox has none.
  const ldd = tryRun('ldd', [busybox]).stdout;
  for (const m of ldd.matchAll(/(?:=>\s*|^\s*)(\/\S+)/gm)) {
    const lib = m[1] as string;
    mkdirSync(join(dir, dirname(lib)), { recursive: true, mode: 0o755 });
    copyFileSync(lib, join(dir, lib));
    chmodSync(join(dir, lib), 0o755);
  }
  for (const applet of run(busybox, ['--list']).split('\n').filter(Boolean)) {
    if (applet === 'busybox') continue;
    symlinkSync('busybox', join(dir, 'bin', applet));
  }
  const osRelease = 'ID=busybox\nNAME=BusyBox\nPRETTY_NAME="nsnap test image"\n';
  writeFileSync(join(dir, 'etc', 'os-release'), osRelease, { mode: 0o644 });
  writeFileSync(join(dir, 'usr', 'lib', 'os-release'), osRelease, { mode: 0o644 });
  rootfs = dir;
  return dir;
}

/** The rootfs as an uncompressed tar, for `docker import` and `podman import`. */
export function busyboxTar(): string {
  const out = join(privateDir('image'), 'rootfs.tar');
  run('tar', ['-C', busyboxRootfs(), '-cf', out, '.']);
  chmodSync(join(out, '..'), 0o755);
  chmodSync(out, 0o644);
  return out;
}

// --- the kernel's answer ---------------------------------------------------------------------

export interface LsnsRow {
  inode: number;
  type: string;
  /** Parent namespace (PID and user namespaces); 0 for the initial ones. */
  pns: number | null;
  nprocs: number;
  pid: number;
}

/** `lsns` now: every namespace with a process, by inode. */
export function lsnsNow(): Map<number, LsnsRow> {
  const out = run('lsns', ['-J', '-o', 'NS,TYPE,PNS,NPROCS,PID']);
  const rows = (JSON.parse(out) as { namespaces: Record<string, unknown>[] }).namespaces;
  const map = new Map<number, LsnsRow>();
  for (const r of rows) {
    const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
    map.set(Number(r.ns), { inode: Number(r.ns), type: String(r.type), pns: num(r.pns), nprocs: Number(r.nprocs), pid: Number(r.pid) });
  }
  return map;
}

// --- capturing and analysing --------------------------------------------------------------

/** A capture of the host's view, as root, with dash. */
export function captureHost(): string {
  const out = join(privateDir('rt-host'), 'host.tar.gz');
  const r = runCollector(['-o', out, '--quiet', '--label', 'host'], {
    env: { ...process.env, TMPDIR: privateDir('tmp') },
    timeoutMs: 120_000,
  });
  if (r.status !== 0) throw new Error(`host capture failed (exit ${r.status}): ${r.stderr}`);
  return out;
}

/**
 * The lsns rows of every namespace of `inits` and of their PID and user ancestors, but
 * not the host's (whose members come and go with every other test), as
 * `inode type pns nprocs` lines, sorted: what the checks compare with the capture.
 */
function rowsOf(lsns: Map<number, LsnsRow>, inits: number[]): string {
  const inodes = new Set<number>();
  for (const init of inits) {
    const links = nsLinks(init);
    for (const type of NS_TYPES) {
      const inode = links[type];
      if (inode === undefined) continue;
      for (const ns of type === 'pid' || type === 'user' ? ancestry(lsns, inode) : [inode]) inodes.add(ns);
    }
  }
  const host = new Set(Object.values(hostNs()));
  return [...inodes]
    .filter((i) => !host.has(i))
    .map((i) => lsns.get(i))
    .filter((r): r is LsnsRow => r !== undefined)
    .map((r) => `${r.inode} ${r.type} ${r.pns ?? '-'} ${r.nprocs}`)
    .sort()
    .join('\n');
}

/**
 * A host capture and the lsns answer it is checked against, taken while the namespaces
 * of `inits` (the runtimes' processes the test checks) held still: lsns before and
 * after the capture must agree on them (members and parents), else the capture is taken
 * again. A runtime that starts a helper between the capture and lsns (Chromium does)
 * would otherwise make the kernel's count differ from what the capture saw. Namespaces
 * of other tests running at the same time are not compared.
 */
export function captureHostSettled(inits: () => number[]): { tar: string; lsns: Map<number, LsnsRow> } {
  let changes = '';
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const before = lsnsNow();
    const tar = captureHost();
    const after = lsnsNow();
    const [a, b] = [rowsOf(before, inits()), rowsOf(after, inits())];
    if (a === b) return { tar, lsns: after };
    changes = `before:\n${a}\nafter:\n${b}`;
    rmSync(tar, { force: true });
  }
  throw new Error(`the runtimes' namespaces changed during each of 5 host captures; last:\n${changes}`);
}

/**
 * A capture from inside: `argv` runs the collector (already placed where the inside can
 * read it) with `-o -`; its stdout is the tarball.
 */
export function captureInside(label: string, argv: string[]): string {
  const out = join(privateDir('rt-inside'), `${label}.tar.gz`);
  const r = spawnSync(argv[0] as string, argv.slice(1), { timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`inside capture (${label}) failed (exit ${r.status}): ${r.stderr.toString('utf8')}`);
  if (r.stdout.length < 100) throw new Error(`inside capture (${label}) wrote ${r.stdout.length} bytes: ${r.stderr.toString('utf8')}`);
  writeFileSync(out, r.stdout);
  return out;
}

export interface ModelNs {
  id: string;
  type: string;
  inode: number;
  parent: string | null;
  depth: number;
  label: string;
  role: string;
  evidence: string[];
  processes: string[];
}

export interface ModelProcess {
  id: string;
  nspid: number[];
  parent: string | null;
  comm: string;
  cmdline?: string;
  ns: Record<string, string>;
  views: number[];
}

export interface Model {
  views: { index: number; label: string; bootId: string | null; pidNamespace: string; level: string }[];
  namespaces: ModelNs[];
  processes: ModelProcess[];
  diagnostics: { code: string; message: string }[];
}

/** The analyzer's model of these views (`nsnap tree … --format json`). */
export async function analyze(...views: string[]): Promise<Model> {
  const r = await cli('tree', ...views, '--format', 'json');
  if (r.code !== 0) throw new Error(`nsnap tree ${views.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Model;
}

/** The collector's own PID in a snapshot's view (manifest view.self_pid). */
export function selfPidOf(tarball: string): number {
  const snap = extract(tarball);
  const self = snap.manifest.view.self_pid;
  if (typeof self !== 'number') throw new Error(`${tarball}: no view.self_pid`);
  return self;
}

// --- checks -----------------------------------------------------------------------------------

/** The namespaces of these types, from `inode` up to the initial one, as lsns sees them. */
export function ancestry(lsns: Map<number, LsnsRow>, inode: number): number[] {
  const chain: number[] = [];
  let cur: number | null = inode;
  while (cur !== null && cur !== 0 && !chain.includes(cur)) {
    chain.push(cur);
    cur = lsns.get(cur)?.pns ?? null;
  }
  return chain;
}

/**
 * Every PID and user namespace of `inits` and their ancestors that lsns lists: the
 * model's parent is lsns's PNS (none for the initial ones).
 */
export function expectParents(model: Model, lsns: Map<number, LsnsRow>, inits: number[]): number {
  const byId = new Map(model.namespaces.map((n) => [n.id, n]));
  let checked = 0;
  const seen = new Set<number>();
  for (const init of inits) {
    const links = nsLinks(init);
    for (const type of ['pid', 'user'] as const) {
      const inode = links[type];
      expect(inode, `ns/${type} of ${init} is readable`).toBeTypeOf('number');
      for (const ns of ancestry(lsns, inode as number)) {
        const row = lsns.get(ns);
        if (row === undefined || seen.has(ns)) continue;
        seen.add(ns);
        const got = byId.get(`${type}:${ns}`);
        expect(got, `${type}:${ns} is in the model`).toBeDefined();
        const want = row.pns === null || row.pns === 0 ? null : `${type}:${row.pns}`;
        expect(got?.parent ?? null, `parent of ${type}:${ns} (lsns PNS ${row.pns})`).toBe(want);
        checked += 1;
      }
    }
  }
  return checked;
}

/**
 * For every namespace of every type of `inits` that is not the host's: the processes the
 * host view (view 0) saw in it number lsns's NPROCS. With an inside view (index 1), every
 * such process was seen from inside too (the merge made one of each), and whatever only
 * the inside saw descends from the inside collector (PID `insideSelf` there).
 */
export function expectCounts(
  model: Model,
  lsns: Map<number, LsnsRow>,
  inits: number[],
  host: Partial<Record<NsType, number>>,
  insideSelf?: number,
): number {
  const procs = new Map(model.processes.map((p) => [p.id, p]));
  const byId = new Map(model.namespaces.map((n) => [n.id, n]));
  let checked = 0;
  const seen = new Set<string>();
  for (const init of inits) {
    const links = nsLinks(init);
    for (const type of NS_TYPES) {
      const inode = links[type];
      if (inode === undefined || inode === host[type]) continue;
      const id = `${type}:${inode}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const ns = byId.get(id);
      expect(ns, `${id} is in the model`).toBeDefined();
      const members = (ns?.processes ?? []).map((p) => procs.get(p)).filter((p): p is ModelProcess => p !== undefined);
      const fromHost = members.filter((p) => p.views.includes(0));
      expect(fromHost.length, `processes of ${id} seen by the host view vs lsns NPROCS`).toBe(lsns.get(inode)?.nprocs);
      if (insideSelf !== undefined && type === 'pid' && inode === links.pid && init === inits[0]) {
        const notInside = fromHost.filter((p) => !p.views.includes(1)).map((p) => `${p.id} ${p.comm}`);
        expect(notInside, `processes of ${id} the inside view did not see (merged?)`).toEqual([]);
        const onlyInside = members.filter((p) => !p.views.includes(0));
        for (const p of onlyInside) {
          expect(descendsFrom(p, insideSelf, procs), `${p.id} (${p.comm}), seen only from inside, is the inside collector's`).toBe(true);
        }
      }
      checked += 1;
    }
  }
  return checked;
}

function descendsFrom(p: ModelProcess, selfInside: number, procs: Map<string, ModelProcess>): boolean {
  let cur: ModelProcess | undefined = p;
  for (let i = 0; cur !== undefined && i < 64; i += 1) {
    if (cur.nspid.at(-1) === selfInside && !cur.views.includes(0)) return true;
    cur = cur.parent === null ? undefined : procs.get(cur.parent);
  }
  return false;
}

/** What a namespace truly is: its role, and words its label must hold, as written (each may be a list of alternatives). */
export interface Truth {
  role: string;
  names: (string | string[])[];
}

/** The host's namespace of each type (this test process is on the host). */
export function hostNs(): Partial<Record<NsType, number>> {
  return nsLinks(process.pid);
}

/**
 * Role and label of every namespace of every type of `init`: the host's own are `host`,
 * the others are `truth` (or `perType[type]` when given).
 */
export function expectRoles(model: Model, init: number, truth: Truth, perType: Partial<Record<NsType, Truth>> = {}): string[] {
  const host = hostNs();
  const links = nsLinks(init);
  const byId = new Map(model.namespaces.map((n) => [n.id, n]));
  const problems: string[] = [];
  for (const type of NS_TYPES) {
    const inode = links[type];
    if (inode === undefined) continue;
    const ns = byId.get(`${type}:${inode}`);
    if (ns === undefined) {
      problems.push(`${type}:${inode} is missing from the model`);
      continue;
    }
    const want: Truth = inode === host[type] ? { role: 'host', names: [] } : (perType[type] ?? truth);
    if (ns.role !== want.role) problems.push(`${ns.id}: role '${ns.role}', want '${want.role}' (label '${ns.label}')`);
    for (const name of want.names) {
      const alts = Array.isArray(name) ? name : [name];
      if (!alts.some((a) => ns.label.includes(a))) {
        problems.push(`${ns.id}: label '${ns.label}' does not name ${alts.join(' or ')}`);
      }
    }
  }
  return problems;
}

/** Problems of several expectRoles calls, each once, in order. */
export function unique(problems: string[]): string[] {
  return [...new Set(problems)];
}

/** The host's own PID namespace is `host`, and so is the host view's level: the problems, if not. */
export function hostProblems(model: Model): string[] {
  const id = `pid:${hostNs().pid}`;
  const initial = model.namespaces.find((n) => n.id === id);
  const problems: string[] = [];
  if (initial?.role !== 'host')
    problems.push(`the host's PID namespace ${id}: role '${initial?.role}', want 'host' (label '${initial?.label}')`);
  if (model.views[0]?.level !== 'host') problems.push(`the host view's level is '${model.views[0]?.level}', want 'host'`);
  return problems;
}

/** A runtime's start and capture times, printed only with NSNAP_TEST_TIMES=1: a passing run stays quiet. */
export function reportTimings(name: string, timings: Record<string, number>): void {
  if (process.env.NSNAP_TEST_TIMES === '1' && Object.keys(timings).length > 0) {
    console.log(`${name} timings (ms): ${JSON.stringify(timings)}`);
  }
}

/**
 * A container whose runtime gives it a boot_id of its own (LXC, nspawn): the inside view
 * still merges with the host view, one kernel being proven by the inside init being
 * exactly one process of the host view (issue 13, docs/parent-edges.md), and the merged
 * model's parents and counts are the kernel's.
 */
export async function expectOwnBootMerges(hostTar: string, insideTar: string, lsns: Map<number, LsnsRow>, init: number): Promise<void> {
  const merged = await analyze(hostTar, insideTar);
  expect(new Set(merged.views.map((v) => v.bootId)).size).toBe(2);
  expect(merged.diagnostics.map((d) => d.code)).toContain('BOOT_ID_VIRTUALISED');
  expectParents(merged, lsns, [init]);
  expectCounts(merged, lsns, [init], hostNs(), selfPidOf(insideTar));
}
