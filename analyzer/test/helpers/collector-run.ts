// Running the collector in tests: a readable copy of the script, the shell to run it
// with (dash, bash or a busybox-only PATH), an unprivileged prefix, and private folders
// for its output and staging.

import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeScratch as removeScratchDirs, scratchDir, trackScratch } from './scratch.js';

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

/**
 * `nsnap COMMAND -` over FILE as nobody reads it: nobody opens and reads the file (the
 * permission a test checks), and the repository's nsnap reads those bytes from standard
 * input. nobody cannot run the repository's nsnap itself when the clone lies below a
 * folder only root may enter (`mktemp -d` makes such folders): two tests failed that way
 * in fresh clones. A read that nobody is refused is returned as the result.
 */
export function nsnapOnNobodysRead(command: string, file: string): { status: number | null; stderr: string } {
  const read = spawnSync(hostTool(AS_NOBODY[0] as string), [...AS_NOBODY.slice(1), 'cat', file], { maxBuffer: 512 * 1024 * 1024 });
  if (read.error) throw read.error;
  if (read.status !== 0) return { status: read.status, stderr: `nobody cannot read ${file}: ${read.stderr.toString('utf8')}` };
  const r = spawnSync(process.execPath, [resolve('bin/nsnap'), command, '-'], { input: read.stdout, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr };
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
