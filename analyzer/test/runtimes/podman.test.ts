// podman as root and rootless (as the runtime user), one busybox container each running
// `sh -c 'sleep & sleep & wait'`. Quirks (docs/runtimes.md): --ulimit nofile=20000:20000,
// and a lower --ulimit nproc, since podman's default RLIMIT_NPROC is above the hard limit
// and without CAP_SYS_RESOURCE runc cannot raise it. Captured from the host and from
// inside (`podman exec`), merged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR, removeScratch } from '../helpers/collector-run.js';
import {
  analyze,
  baseReason,
  busyboxTar,
  captureHostSettled,
  captureInside,
  childrenOf,
  expectCounts,
  hostProblems,
  expectParents,
  expectRoles,
  hostNs,
  needRuntime,
  nsLinks,
  pidsByCmdline,
  run,
  runAsUser,
  runtimeUid,
  selfPidOf,
  SLEEP,
  tryAsUser,
  tryRun,
  unique,
  waitFor,
  asUserArgs,
  cmdlineOf,
  shq,
  reportTimings,
} from './harness.js';
import type { LsnsRow } from './harness.js';

const tag = `nsnap-rt-${process.pid}`;
const image = `${tag}:busybox`;
const LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096'];

interface Box {
  name: string;
  id: string;
  short: string;
  init: number;
  conmon: number;
}

type Mode = 'root' | 'rootless';
let reason: Record<Mode, string | null> = { root: null, rootless: null };
const boxes: Partial<Record<Mode, Box>> = {};
const inside: Partial<Record<Mode, string>> = {};
let hostTar = '';
let lsns = new Map<number, LsnsRow>();
let pausesBefore: number[] = [];
const timings: Record<string, number> = {};

function podman(mode: Mode, args: string[]): string {
  if (mode === 'root') return run('podman', args);
  return runAsUser(['podman', ...args].map(shq).join(' '));
}

/** Rootless podman's pause processes (argv: just `podman`) of this uid. */
function pausePids(uid: number): number[] {
  return pidsByCmdline('podman', uid).filter((p) => cmdlineOf(p) === 'podman');
}

function inspect(mode: Mode, name: string): Box {
  const [id, pid, conmon] = podman(mode, ['inspect', '--format', '{{.Id}} {{.State.Pid}} {{.State.ConmonPid}}', name]).trim().split(' ');
  return { name, id: id as string, short: (id as string).slice(0, 12), init: Number(pid), conmon: Number(conmon) };
}

async function start(mode: Mode, tar: string): Promise<void> {
  const name = `${tag}-${mode}`;
  podman(mode, ['import', '-c', 'ENV PATH=/bin', tar, image]);
  podman(mode, ['run', '-d', '--name', name, ...LIMITS, image, 'sh', '-c', `${SLEEP} & ${SLEEP} & wait`]);
  const box = inspect(mode, name);
  await waitFor(`podman ${mode} workload`, () => (childrenOf(box.init).length === 2 ? true : null));
  boxes[mode] = box;
}

beforeAll(async () => {
  const base = baseReason(['podman', 'busybox']);
  reason = { root: base, rootless: base ?? baseReason(['podman', 'newuidmap'], true) };
  const uid = runtimeUid();
  if (uid !== null) pausesBefore = pausePids(uid);
  const t0 = Date.now();
  let tar = '';
  for (const mode of ['root', 'rootless'] as Mode[]) {
    if (reason[mode] !== null) continue;
    try {
      if (tar === '') tar = busyboxTar();
      await start(mode, tar);
    } catch (e) {
      reason[mode] = `podman (${mode}) could not start its workload: ${(e as Error).message}`;
    }
  }
  if (boxes.root === undefined && boxes.rootless === undefined) return;
  timings.start = Date.now() - t0;
  let t = Date.now();
  ({ tar: hostTar, lsns } = captureHostSettled(() => Object.values(boxes).map((b) => (b as Box).init)));
  timings.hostCapture = Date.now() - t;
  t = Date.now();
  for (const mode of ['root', 'rootless'] as Mode[]) {
    const box = boxes[mode];
    if (box === undefined) continue;
    try {
      if (mode === 'root') {
        run('podman', ['cp', COLLECTOR, `${box.name}:/tmp/nsnap-collect.sh`]);
        inside.root = captureInside('podman-root', ['podman', 'exec', box.name, 'sh', '/tmp/nsnap-collect.sh', '-o', '-', '--quiet']);
      } else {
        runAsUser(`podman cp ${COLLECTOR} ${box.name}:/tmp/nsnap-collect.sh`);
        const [cmd, args] = asUserArgs(`podman exec ${box.name} sh /tmp/nsnap-collect.sh -o - --quiet`);
        inside.rootless = captureInside('podman-rootless', [cmd, ...args]);
      }
    } catch (e) {
      reason[mode] = `podman (${mode}): the capture from inside failed: ${(e as Error).message}`;
    }
  }
  timings.insideCaptures = Date.now() - t;
}, 300_000);

afterAll(() => {
  if (boxes.root !== undefined) tryRun('podman', ['rm', '-f', '-t', '0', boxes.root.name]);
  tryRun('podman', ['rmi', '-f', image]);
  if (runtimeUid() !== null) {
    tryAsUser(`podman rm -f -t 0 ${tag}-rootless; podman rmi -f ${image}`);
    // The pause process that holds rootless podman's user namespace, when this test made it.
    for (const pid of pausePids(runtimeUid() as number)) {
      if (!pausesBefore.includes(pid)) tryRun('kill', [String(pid)]);
    }
  }
  removeScratch();
  reportTimings('podman', timings);
});

describe.each(['root', 'rootless'] as Mode[])('podman (%s)', (mode) => {
  it('host view: parents are lsns PNS, process counts are NPROCS', async (ctx) => {
    needRuntime(`podman (${mode})`, reason[mode], ctx);
    const box = boxes[mode] as Box;
    const model = await analyze(hostTar);
    expect(expectParents(model, lsns, [box.init])).toBeGreaterThanOrEqual(2);
    expect(expectCounts(model, lsns, [box.init], hostNs())).toBeGreaterThanOrEqual(4);
  });

  it('merged with the view from inside: the same parents and counts, one process for each', async (ctx) => {
    needRuntime(`podman (${mode})`, reason[mode], ctx);
    const box = boxes[mode] as Box;
    const model = await analyze(hostTar, inside[mode] as string);
    expect(model.views[1]?.pidNamespace).toBe(`pid:${nsLinks(box.init).pid}`);
    expectParents(model, lsns, [box.init]);
    expectCounts(model, lsns, [box.init], hostNs(), selfPidOf(inside[mode] as string));
  });

  // True roles and names (needs the role rules of issue 14): podman's conmon carries
  // `-n NAME -c ID`; a rootless container's user namespace is podman's, not the host's.
  it('roles: a podman container named by name and ID in every namespace type; rootless podman owns its user namespace', async (ctx) => {
    needRuntime(`podman (${mode})`, reason[mode], ctx);
    const box = boxes[mode] as Box;
    const model = await analyze(hostTar, inside[mode] as string);
    const truth = { role: 'container', names: ['podman', box.name, box.short] };
    const perType = mode === 'rootless' ? { user: { role: 'container', names: ['podman'] } } : {};
    expect(unique([...hostProblems(model), ...expectRoles(model, box.init, truth, perType)])).toEqual([]);
  });
});
