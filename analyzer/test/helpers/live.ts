// Real nested PID namespaces for tests, built with `unshare --pid --fork --mount-proc`
// (needs root), and the harness that runs the collector against them.
//
// A tree spec says how many sleepers each namespace holds and which namespaces nest in
// it. Every namespace's init is a `sh` running a generated script (ns-<id>.sh): it
// starts its sleepers, starts one `unshare … sh ns-<child>.sh` per child, marks itself
// ready and waits. The helper then reads the host's /proc to report, for every
// namespace, its inode, its parent's inode, its init and its members (root-view PIDs):
// the facts an oracle such as `lsns -o NS,PNS,NPROCS` reports too.
//
// Cleanup is SIGKILL to the top init: the kernel then kills every process of that
// namespace, nested ones included. The outer unshare ignores SIGTERM and SIGINT while it
// waits, so it gets SIGKILL too. A process 'exit' hook covers tests that crash.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeScratch as removeScratchDirs, scratchDir, trackScratch } from './scratch.js';
import { Ajv } from 'ajv';

// --- privileges and tools -------------------------------------------------------------

const reasons = new Map<string, string | null>();

function cached(key: string, probe: () => string | null): string | null {
  if (!reasons.has(key)) reasons.set(key, probe());
  return reasons.get(key) ?? null;
}

/** The reason a tool is missing, or null when `command -v` finds it. */
export function toolMissing(tool: string): string | null {
  return cached(`tool:${tool}`, () => {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' });
    return r.status === 0 ? null : `${tool} is not installed`;
  });
}

/** Why real PID namespaces cannot be built here, or null when they can. */
export function liveSkipReason(): string | null {
  return cached('live', () => {
    if (process.platform !== 'linux') return 'needs Linux';
    if (process.getuid?.() !== 0) return 'needs root (unshare --pid, nsenter, setpriv, mount)';
    const missing = toolMissing('unshare');
    if (missing !== null) return missing;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) return `unshare --pid --fork --mount-proc fails: ${(r.stderr || '').trim()}`;
    return null;
  });
}

export interface Gate {
  /** Skip the suite: something is missing and CI is not set. */
  skip: boolean;
  /** What is missing; under CI=true the suite runs and fails with it. */
  reason: string | null;
}

/**
 * Tests that need root or extra tools run when they can, skip with the reason when they
 * cannot, and under CI must run: there a missing privilege is a failure.
 */
export function gate(...reasonsOrNull: (string | null)[]): Gate {
  const reason = reasonsOrNull.filter((r): r is string => r !== null).join('; ') || null;
  const skip = reason !== null && !underCi();
  // Every skip says why, once per file (vitest shows it with the file's name).
  if (skip) console.warn(`skipped: ${reason} (under CI=true this fails instead)`);
  return { skip, reason };
}

function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** Call first in a gated suite's beforeAll: under CI a missing privilege fails here. */
export function assertGate(g: Gate): void {
  if (g.reason !== null) throw new Error(`cannot run under CI: ${g.reason}`);
}

// --- the namespace tree ----------------------------------------------------------------

export interface NsSpec {
  /** Sleepers in this namespace besides its init (default 1). */
  sleepers?: number;
  /** Namespaces nested in this one. */
  children?: NsSpec[];
}

export interface LiveNs {
  /** Path in the spec: '0' for the top, '0.1' for its second child, … */
  id: string;
  /** NSpid length of the init minus one, seen from the host: the top is 1. */
  depth: number;
  inode: number;
  parentInode: number;
  /** Root-view PID of the namespace's init (the `sh` of ns-<id>.sh). */
  initPid: number;
  /** Root-view PIDs whose ns/pid is this namespace (init, sleepers, child unshares). */
  members: number[];
  sleepers: number[];
  children: LiveNs[];
}

export interface LiveTree {
  top: LiveNs;
  /** Every namespace, parents before children. */
  namespaces: LiveNs[];
  /** The host's PID namespace inode: the top's parent. */
  hostInode: number;
  /** Every process of the tree, root view: the members of every namespace. */
  pids: number[];
  /** Kills every process of the tree and removes the scripts. Safe to call twice. */
  destroy(): Promise<void>;
}

export const MAX_DEPTH = 5;
export const MAX_FANOUT = 3;

interface SpecNode {
  id: string;
  sleepers: number;
  children: SpecNode[];
}

function normalise(spec: NsSpec, id: string, depth: number): SpecNode {
  if (depth > MAX_DEPTH) throw new Error(`tree spec deeper than ${MAX_DEPTH}`);
  const kids = spec.children ?? [];
  if (kids.length > MAX_FANOUT) throw new Error(`tree spec fan-out above ${MAX_FANOUT}`);
  return {
    id,
    sleepers: spec.sleepers ?? 1,
    children: kids.map((c, i) => normalise(c, `${id}.${i}`, depth + 1)),
  };
}

function flatten(node: SpecNode): SpecNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

// A long, recognisable sleep: the number encodes nothing, it only has to outlive tests.
const SLEEP_SECONDS = 1_000_000;

function initScript(dir: string, node: SpecNode): string {
  const lines = [
    `# init of test namespace ${node.id}`,
    'i=0',
    `while [ "$i" -lt ${node.sleepers} ]; do sleep ${SLEEP_SECONDS} & i=$((i + 1)); done`,
  ];
  for (const child of node.children) {
    lines.push(`unshare --pid --fork --mount-proc --kill-child sh ${join(dir, `ns-${child.id}.sh`)} &`);
  }
  lines.push(`: > ${join(dir, `ready-${node.id}`)}`, 'wait', '');
  return lines.join('\n');
}

interface ProcFacts {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
  nspid: number[];
  pidNs: number | null;
}

function readProc(pid: number): ProcFacts | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
    let pidNs: number | null = null;
    try {
      pidNs = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1]);
    } catch {
      pidNs = null;
    }
    return {
      pid,
      ppid: Number(field('PPid')),
      comm: field('Name'),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
      nspid: field('NSpid').split(/\s+/).filter(Boolean).map(Number),
      pidNs,
    };
  } catch {
    return null;
  }
}

/** Root-view PIDs of every live process (the host's /proc). */
export function livePids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^[1-9][0-9]*$/.test(n))
    .map(Number);
}

function descendants(root: number): ProcFacts[] {
  const all = livePids()
    .map(readProc)
    .filter((p): p is ProcFacts => p !== null);
  const byParent = new Map<number, ProcFacts[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcFacts[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

const live = new Set<ChildProcess>();
let exitHook = false;

function killTree(child: ChildProcess): void {
  // The outer unshare passes SIGKILL on to the top init (--kill-child); the kernel then
  // kills the whole namespace, nested ones included.
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Builds the tree and waits until every namespace is up with all its sleepers. Throws
 * (after cleaning up) when it is not up within `timeoutMs`.
 */
export async function buildLiveTree(spec: NsSpec, opts: { timeoutMs?: number } = {}): Promise<LiveTree> {
  const reason = liveSkipReason();
  if (reason !== null) throw new Error(`cannot build PID namespaces: ${reason}`);
  const rootSpec = normalise(spec, '0', 1);
  const nodes = flatten(rootSpec);
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-live-'));
  chmodSync(dir, 0o755);
  for (const node of nodes) writeFileSync(join(dir, `ns-${node.id}.sh`), initScript(dir, node));

  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', join(dir, 'ns-0.sh')], {
    stdio: 'ignore',
  });
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) killTree(c);
    });
  }
  let destroyed = false;
  let initPidSeen = -1;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    killTree(child);
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((r) => child.once('exit', () => r()));
    }
    live.delete(child);
    // Wait until the kernel has reaped the namespace's processes.
    for (let i = 0; i < 100 && existsSync(`/proc/${initPidSeen}`); i += 1) await sleep(20);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    const total = nodes.reduce((n, node) => n + node.sleepers, 0);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`unshare exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('the namespace tree did not come up in time');
      if (nodes.every((n) => existsSync(join(dir, `ready-${n.id}`)))) {
        const procs = descendants(child.pid as number);
        const sleepers = procs.filter((p) => p.comm === 'sleep' && p.cmdline === `sleep ${SLEEP_SECONDS}`);
        if (sleepers.length === total) {
          const tree = describeTree(rootSpec, procs, dir);
          initPidSeen = tree.top.initPid;
          return { ...tree, destroy };
        }
      }
      await sleep(25);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
}

function describeTree(rootSpec: SpecNode, procs: ProcFacts[], dir: string): Omit<LiveTree, 'destroy'> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const hostInode = Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]);
  const namespaces: LiveNs[] = [];
  const build = (node: SpecNode, parentInode: number): LiveNs => {
    const script = join(dir, `ns-${node.id}.sh`);
    const init = procs.find((p) => p.comm === 'sh' && p.cmdline === `sh ${script}` && p.nspid.at(-1) === 1);
    if (init === undefined || init.pidNs === null) throw new Error(`no init found for namespace ${node.id}`);
    const members = procs.filter((p) => p.pidNs === init.pidNs);
    const ns: LiveNs = {
      id: node.id,
      depth: init.nspid.length - 1,
      inode: init.pidNs,
      parentInode,
      initPid: init.pid,
      members: members.map((p) => p.pid).sort((a, b) => a - b),
      sleepers: members
        .filter((p) => p.comm === 'sleep')
        .map((p) => p.pid)
        .sort((a, b) => a - b),
      children: [],
    };
    const parent = byPid.get(init.ppid);
    if (parent !== undefined && parent.pidNs !== parentInode) {
      throw new Error(`namespace ${node.id}: its init's parent is in pid:[${parent.pidNs}], not pid:[${parentInode}]`);
    }
    namespaces.push(ns);
    ns.children = node.children.map((c) => build(c, ns.inode));
    return ns;
  };
  const top = build(rootSpec, hostInode);
  const pids = namespaces.flatMap((n) => n.members).sort((a, b) => a - b);
  return { top, namespaces, hostInode, pids };
}

/** Runs fn with a live tree and always destroys it, also when fn throws. */
export async function withLiveTree<T>(spec: NsSpec, fn: (tree: LiveTree) => Promise<T>): Promise<T> {
  const tree = await buildLiveTree(spec);
  try {
    return await fn(tree);
  } finally {
    await tree.destroy();
  }
}

/** NSpid of a live process, root view; null when it is gone. */
export function liveNspid(pid: number): number[] | null {
  return readProc(pid)?.nspid ?? null;
}

// --- running the collector -------------------------------------------------------------

// Folders made for a test file (extracted snapshots, private TMPDIRs, the busybox PATH)
// are scratch folders (./scratch.ts), removed after the file's last test.
let busyboxDir: string | null = null;

/**
 * Where the collector's staging folder goes in tests: tmpfs when there is one. The
 * collector makes about 17 entries per process there; on a busy disk that dominates the
 * run time and says nothing about the collector (bench/collector.mjs measures both).
 */
function stagingBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return statSync('/dev/shm').isDirectory() ? '/dev/shm' : tmpdir();
  } catch {
    return tmpdir();
  }
}

/** Removes every folder this helper made; call it from each test file's afterAll. */
export function removeScratch(): void {
  removeScratchDirs();
  busyboxDir = null;
}

/**
 * The collector script, as a copy in a folder anyone can read: tests run it as nobody,
 * and the checkout may sit in a private folder (CI clones into a mode-700 temp folder).
 */
function readableCollector(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-script-'));
  chmodSync(dir, 0o755);
  const copy = join(dir, 'nsnap-collect.sh');
  copyFileSync(resolve('collector/nsnap-collect.sh'), copy);
  chmodSync(copy, 0o755);
  // Removed with the other scratch folders after the test file (test/setup/scratch-cleanup.ts).
  trackScratch(dir);
  return copy;
}

// The run's copy, made by the global setup (test/setup/tmp-check.ts); a file run without
// it (another config) makes its own.
export const COLLECTOR = process.env.NSNAP_TEST_COLLECTOR ?? readableCollector();

/** The unprivileged user the non-root tests capture as, and the prefix that runs as it. */
export const NOBODY = 65534;
export const AS_NOBODY = ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups'];

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** Command prefix, e.g. ['setpriv', '--reuid', '65534', …]. */
  prefix?: string[];
  /** The shell: 'dash', 'bash', or a path (the busybox `sh` of busyboxPath()). */
  shell?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** The absolute path of a host tool, so that a busybox-only PATH does not pick busybox's. */
export function hostTool(name: string): string {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : name;
}

/** The argv that runs the collector: prefix (host tools), shell, script, args. */
export function collectorArgv(args: string[], opts: RunOptions = {}): string[] {
  const prefix = opts.prefix ?? [];
  const fixed = prefix.length > 0 ? [hostTool(prefix[0] as string), ...prefix.slice(1)] : [];
  const shell = opts.shell ?? 'dash';
  return [...fixed, shell.includes('/') ? shell : hostTool(shell), COLLECTOR, ...args];
}

/** Runs the collector to completion. */
export function runCollector(args: string[], opts: RunOptions = {}): RunResult {
  const argv = collectorArgv(args, opts);
  const r: SpawnSyncReturns<Buffer> = spawnSync(argv[0] as string, argv.slice(1), {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** A folder of busybox applet links: PATH=<it> leaves nothing but busybox. */
export function busyboxPath(): string {
  if (busyboxDir !== null) return busyboxDir;
  const list = spawnSync('busybox', ['--list'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error('busybox --list failed');
  const bin = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  const dir = scratchDir('nsnap-busybox-');
  chmodSync(dir, 0o755);
  for (const applet of list.stdout.split('\n').filter(Boolean)) symlinkSync(bin, join(dir, applet));
  busyboxDir = dir;
  return dir;
}

/** The environment of a busybox-only run: nothing but PATH (and what `extra` adds). */
export function busyboxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: busyboxPath(), ...extra };
}

/**
 * A private, empty folder for output or (prefix 'tmp') the collector's TMPDIR; `owner`
 * hands it to a non-root uid.
 */
export function privateDir(prefix: string, owner?: number): string {
  const dir = scratchDir(`nsnap-${prefix}-`, prefix === 'tmp' ? stagingBase() : tmpdir());
  if (owner !== undefined) {
    spawnSync('chown', [`${owner}:${owner}`, dir]);
  }
  return dir;
}

export interface Extracted {
  /** The top folder: nsnap-<host>-<label>-<time>. */
  top: string;
  topName: string;
  manifest: Record<string, unknown> & ManifestShape;
  /** PID folder names under proc/. */
  pids: number[];
}

export interface ManifestShape {
  collector: { shell?: string; copy_mode?: string; cmdline?: boolean };
  label: string;
  source: { live: boolean; proc?: string };
  view: {
    self_pid?: number | null;
    boot_id: string | null;
    hostname?: string | null;
    uid?: number | null;
    procfs_mounts?: string[];
    hidepid?: string | null;
  };
  counts: { processes: number; namespaces?: number; denied?: number; vanished?: number; errors?: number };
  denied: { path: string; error: string }[];
  vanished: number[];
  errors?: { path: string; error: string }[];
  lsns?: { ran: boolean; file?: string | null; exit_code?: number; command?: string };
  wsl?: { wsl_conf?: boolean; wslconfig?: { given?: boolean; captured?: boolean } };
  env?: Record<string, string | boolean>;
}

/** Extracts a snapshot tarball with tar -xzf into a fresh folder. */
export function extract(tarball: string): Extracted {
  const dest = scratchDir('nsnap-x-');
  const r = spawnSync('tar', ['-xzf', tarball, '-C', dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xzf failed: ${r.stderr}`);
  const tops = readdirSync(dest);
  if (tops.length !== 1) throw new Error(`expected one top folder, got ${tops.join(', ')}`);
  const topName = tops[0] as string;
  const top = join(dest, topName);
  const manifest = JSON.parse(readFileSync(join(top, 'nsnap.json'), 'utf8')) as Extracted['manifest'];
  const pids = readdirSync(join(top, 'proc'))
    .filter((n) => /^[0-9]+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  return { top, topName, manifest, pids };
}

/** Lists a tarball's entries as `type name[ -> target]` lines (tar -tvzf parsed). */
export function tarEntries(tarball: string): { type: string; name: string; target?: string }[] {
  const r = spawnSync('tar', ['-tvzf', tarball], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tar -tvzf failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S)\S*\s+\S+\s+\S+\s+\S+\s+\S+\s+(.*)$/.exec(line);
      if (!m) throw new Error(`cannot parse tar line: ${line}`);
      const [, type, rest] = m as unknown as [string, string, string];
      const arrow = rest.indexOf(' -> ');
      return arrow >= 0 ? { type, name: rest.slice(0, arrow), target: rest.slice(arrow + 4) } : { type, name: rest };
    });
}

// --- checking a snapshot against docs/format.md -------------------------------------------

const schema = JSON.parse(readFileSync(resolve('schemas/manifest.schema.json'), 'utf8')) as object;
const validateSchema = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** ajv's complaints about a manifest; empty when it is valid. */
export function manifestProblems(manifest: unknown): string[] {
  if (validateSchema(manifest)) return [];
  return (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

export const NS_LINKS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'];
const PID_FILES = new Set(['status', 'stat', 'cmdline', 'comm', 'cgroup']);
const VIEW_FILES = new Set(['uptime', 'sys/kernel/random/boot_id', 'sys/kernel/hostname', 'sys/kernel/osrelease', 'sys/kernel/version']);
const TOP_NAME = /^nsnap-[A-Za-z0-9._-]+-[0-9]{8}T[0-9]{6}Z$/;

/**
 * Everything in a snapshot tarball that breaks the format: entry names and types, the
 * manifest's schema, and the manifest's counts against the entries. Empty when valid.
 */
export function snapshotProblems(tarball: string): { snap: Extracted; problems: string[] } {
  const problems: string[] = [];
  const entries = tarEntries(tarball);
  const snap = extract(tarball);
  if (!TOP_NAME.test(snap.topName)) problems.push(`top folder name ${snap.topName}`);
  const withStatus = new Set<number>();
  const targets = new Set<string>();
  for (const e of entries) {
    const name = e.name.replace(/\/$/, '');
    if (name === snap.topName) continue;
    if (!name.startsWith(`${snap.topName}/`)) {
      problems.push(`entry outside the top folder: ${name}`);
      continue;
    }
    const rel = name.slice(snap.topName.length + 1);
    if (rel.split('/').includes('..') || rel.startsWith('/')) problems.push(`unsafe name ${rel}`);
    const m = /^proc\/([0-9]+)\/(.*)$/.exec(rel);
    if (e.type === 'd') continue;
    if (e.type === 'l') {
      if (rel === 'proc/self') {
        if (!/^[1-9][0-9]*$/.test(e.target ?? '')) problems.push(`proc/self -> ${e.target}`);
        continue;
      }
      const link = m ? /^ns\/([a-z_]+)$/.exec(m[2] as string) : null;
      const type = link?.[1];
      if (type === undefined || !NS_LINKS.includes(type)) {
        problems.push(`unexpected symlink ${rel}`);
        continue;
      }
      const want = new RegExp(`^${type.replace('_for_children', '')}:\\[[0-9]+\\]$`);
      if (!want.test(e.target ?? '')) problems.push(`${rel} -> ${e.target}`);
      targets.add(e.target as string);
      continue;
    }
    if (e.type !== '-') {
      problems.push(`entry of type '${e.type}': ${rel}`);
      continue;
    }
    if (['nsnap.json', 'lsns.json', 'wslconfig'].includes(rel)) continue;
    if (rel.startsWith('proc/') && VIEW_FILES.has(rel.slice(5))) continue;
    if (m) {
      const file = m[2] as string;
      if (PID_FILES.has(file) || file === 'root/etc/os-release' || file === 'root/etc/wsl.conf') {
        if (/^0/.test(m[1] as string)) problems.push(`PID with a leading zero: ${rel}`);
        if (file === 'status') withStatus.add(Number(m[1]));
        continue;
      }
    }
    problems.push(`unexpected file ${rel}`);
  }
  problems.push(...manifestProblems(snap.manifest).map((p) => `manifest: ${p}`));
  const m = snap.manifest;
  if (m.counts.processes !== withStatus.size) problems.push(`counts.processes ${m.counts.processes}, status files ${withStatus.size}`);
  if (m.counts.namespaces !== targets.size) problems.push(`counts.namespaces ${m.counts.namespaces}, distinct targets ${targets.size}`);
  if (m.counts.denied !== m.denied.length) problems.push(`counts.denied ${m.counts.denied}, listed ${m.denied.length}`);
  if (m.counts.vanished !== m.vanished.length) problems.push(`counts.vanished ${m.counts.vanished}, listed ${m.vanished.length}`);
  if (m.counts.errors !== (m.errors ?? []).length) problems.push(`counts.errors ${m.counts.errors}, listed ${(m.errors ?? []).length}`);
  for (const d of m.denied) if (!['EACCES', 'EPERM'].includes(d.error)) problems.push(`denied with ${d.error}: ${d.path}`);
  const self = m.view.self_pid;
  if (self != null) {
    let link = '';
    try {
      link = readlinkSync(join(snap.top, 'proc', 'self'));
    } catch {
      problems.push('no proc/self link');
    }
    if (link !== String(self)) problems.push(`proc/self -> ${link}, view.self_pid ${self}`);
    if (!existsSync(join(snap.top, 'proc', String(self), 'status'))) problems.push(`proc/self -> ${self} has no status`);
  }
  if (m.lsns?.file === 'lsns.json') {
    try {
      JSON.parse(readFileSync(join(snap.top, 'lsns.json'), 'utf8'));
    } catch {
      problems.push('lsns.json is not JSON');
    }
  }
  return { snap, problems };
}

/** Reads a file of an extracted snapshot's proc/, or null. */
export function snapFile(snap: Extracted, rel: string): string | null {
  try {
    return readFileSync(join(snap.top, 'proc', rel), 'utf8');
  } catch {
    return null;
  }
}

/** Reads a namespace link of an extracted snapshot, or null. */
export function snapLink(snap: Extracted, pid: number, type: string): string | null {
  try {
    return readlinkSync(join(snap.top, 'proc', String(pid), 'ns', type));
  } catch {
    return null;
  }
}

/** The NSpid line of a status text, as numbers. */
export function nspidOf(status: string | null): number[] | null {
  const m = status === null ? null : /^NSpid:\s*(.*)$/m.exec(status);
  return m ? (m[1] as string).split(/\s+/).filter(Boolean).map(Number) : null;
}
