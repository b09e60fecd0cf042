// Sandboxes: bubblewrap (as the unprivileged runtime user: new user, PID, mount, net,
// ipc, uts and cgroup namespaces) and firejail (as root, --noprofile, named). Each runs
// `sh -c 'sleep & sleep'`; captured from the host and from inside (nsenter into the
// bwrap sandbox as the user; `firejail --join`), merged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { COLLECTOR, removeScratch } from '../helpers/collector-run.js';
import {
  analyze,
  asUserArgs,
  baseReason,
  captureHostSettled,
  captureInside,
  descendantsOf,
  cmdlineOf,
  expectCounts,
  hostProblems,
  expectParents,
  expectRoles,
  hostNs,
  needRuntime,
  nsLinks,
  runtimeUid,
  selfPidOf,
  shq,
  SLEEP,
  tryRun,
  unique,
  waitFor,
  reportTimings,
} from './harness.js';
import type { LsnsRow } from './harness.js';

type Kind = 'bwrap' | 'firejail';
const fjName = `nsnap-rt-${process.pid}`;
const bwHost = `nsnap-rt-${process.pid}`;
const reason: Record<Kind, string | null> = { bwrap: null, firejail: null };
const started: Partial<Record<Kind, ChildProcess>> = {};
const inits: Partial<Record<Kind, number>> = {};
const inside: Partial<Record<Kind, string>> = {};
let hostTar = '';
let lsns = new Map<number, LsnsRow>();
const timings: Record<string, number> = {};

/** The sandbox's PID 1: the first process below `outer` in another PID namespace, once both sleeps run. */
function sandboxInit(outer: number): number | null {
  const init = [outer, ...descendantsOf(outer)].find((p) => nsLinks(p).pid !== hostNs().pid);
  if (init === undefined) return null;
  return [init, ...descendantsOf(init)].filter((p) => cmdlineOf(p) === SLEEP).length >= 2 ? init : null;
}

async function startBwrap(): Promise<void> {
  const bwrap = [
    'bwrap',
    '--unshare-all',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/var/tmp',
    '--hostname',
    bwHost,
    'sh',
    '-c',
    `${SLEEP} & ${SLEEP}`,
  ];
  const [cmd, args] = asUserArgs(`exec ${bwrap.map(shq).join(' ')}`);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  started.bwrap = child;
  inits.bwrap = await waitFor('the bwrap sandbox', () => {
    if (child.exitCode !== null) throw new Error(`bwrap exited ${child.exitCode}`);
    return sandboxInit(child.pid as number);
  });
}

async function startFirejail(): Promise<void> {
  const child = spawn('firejail', ['--noprofile', `--name=${fjName}`, 'sh', '-c', `${SLEEP} & ${SLEEP}`], { stdio: 'ignore' });
  started.firejail = child;
  inits.firejail = await waitFor('the firejail sandbox', () => {
    if (child.exitCode !== null) throw new Error(`firejail exited ${child.exitCode}`);
    return sandboxInit(child.pid as number);
  });
}

beforeAll(async () => {
  reason.bwrap = baseReason(['bwrap', 'su'], true);
  reason.firejail = baseReason(['firejail']);
  const t0 = Date.now();
  for (const [kind, startIt] of [
    ['bwrap', startBwrap],
    ['firejail', startFirejail],
  ] as [Kind, () => Promise<void>][]) {
    if (reason[kind] !== null) continue;
    try {
      await startIt();
    } catch (e) {
      reason[kind] = `${kind} could not start its workload: ${(e as Error).message}`;
    }
  }
  if (inits.bwrap === undefined && inits.firejail === undefined) return;
  timings.start = Date.now() - t0;
  let t = Date.now();
  ({ tar: hostTar, lsns } = captureHostSettled(() => Object.values(inits)));
  timings.hostCapture = Date.now() - t;
  t = Date.now();
  if (inits.bwrap !== undefined) {
    const uid = String(runtimeUid());
    // / is the host's, read-only, so the collector is there; it stages in the sandbox's /var/tmp.
    inside.bwrap = captureInside('bwrap', [
      'nsenter',
      '-t',
      String(inits.bwrap),
      '-a',
      '-S',
      uid,
      '-G',
      uid,
      'env',
      'TMPDIR=/var/tmp',
      'sh',
      COLLECTOR,
      '-o',
      '-',
      '--quiet',
    ]);
  }
  if (inits.firejail !== undefined) {
    inside.firejail = captureInside('firejail', ['firejail', '--quiet', `--join=${fjName}`, 'sh', COLLECTOR, '-o', '-', '--quiet']);
  }
  timings.insideCaptures = Date.now() - t;
}, 300_000);

afterAll(async () => {
  for (const kind of ['bwrap', 'firejail'] as Kind[]) {
    const init = inits[kind];
    // SIGKILL to the sandbox's PID 1 ends every process of its PID namespace.
    if (init !== undefined) tryRun('kill', ['-KILL', String(init)]);
    const child = started[kind];
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(timer);
    }
    for (let i = 0; i < 100 && init !== undefined && existsSync(`/proc/${init}`); i += 1) await new Promise((r) => setTimeout(r, 50));
  }
  removeScratch();
  reportTimings('sandbox', timings);
});

describe.each(['bwrap', 'firejail'] as Kind[])('%s', (kind) => {
  it('host view: parents are lsns PNS, process counts are NPROCS', async (ctx) => {
    needRuntime(kind, reason[kind], ctx);
    const init = inits[kind] as number;
    const model = await analyze(hostTar);
    expect(expectParents(model, lsns, [init])).toBeGreaterThanOrEqual(2);
    expect(expectCounts(model, lsns, [init], hostNs())).toBeGreaterThanOrEqual(4);
  });

  it('merged with the view from inside: the same parents and counts, one process for each', async (ctx) => {
    needRuntime(kind, reason[kind], ctx);
    const init = inits[kind] as number;
    const model = await analyze(hostTar, inside[kind] as string);
    expect(model.views[1]?.pidNamespace).toBe(`pid:${nsLinks(init).pid}`);
    expectParents(model, lsns, [init]);
    expectCounts(model, lsns, [init], hostNs(), selfPidOf(inside[kind] as string));
  });

  // True roles and names (needs the role rules of issue 14).
  it('roles: a sandbox of its kind in every namespace type (firejail: with its --name)', async (ctx) => {
    needRuntime(kind, reason[kind], ctx);
    const init = inits[kind] as number;
    const model = await analyze(hostTar, inside[kind] as string);
    const truth = kind === 'bwrap' ? { role: 'sandbox', names: ['bubblewrap'] } : { role: 'sandbox', names: ['firejail', fjName] };
    expect(unique([...hostProblems(model), ...expectRoles(model, init, truth)])).toEqual([]);
  });
});
