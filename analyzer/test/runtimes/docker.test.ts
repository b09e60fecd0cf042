// docker (dockerd started by scripts/ci-runtimes.sh with --iptables=false --bridge=none
// --storage-driver=vfs), three containers from a busybox image:
//   web   `sh -c 'sleep & sleep & wait'`
//   db    `sleep` as PID 1, which never reaps: the inside capture must leave nothing
//   nest  an `unshare --pid --fork --mount-proc` inside (needs CAP_SYS_ADMIN, not --privileged)
// Captured from the host and from inside each (`docker exec`), merged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
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
  run,
  selfPidOf,
  SLEEP,
  tryRun,
  unique,
  waitFor,
  reportTimings,
} from './harness.js';
import type { LsnsRow, Model } from './harness.js';

const tag = `nsnap-rt-${process.pid}`;
const image = `${tag}:busybox`;
const names = { web: `${tag}-web`, db: `${tag}-db`, nest: `${tag}-nest` };

interface Box {
  id: string;
  short: string;
  init: number;
}

let reason: string | null = null;
const boxes: Partial<Record<keyof typeof names, Box>> = {};
let nested = 0;
let hostTar = '';
let lsns = new Map<number, LsnsRow>();
const inside: Partial<Record<keyof typeof names, string>> = {};
let leftInDb: string[] = [];
const timings: Record<string, number> = {};

function inspect(name: string): Box {
  const [id, pid] = run('docker', ['inspect', '--format', '{{.Id}} {{.State.Pid}}', name]).trim().split(' ');
  return { id: id as string, short: (id as string).slice(0, 12), init: Number(pid) };
}

/** Processes of a container's PID namespace (host view) other than its init. */
function othersInNs(init: number): string[] {
  const ns = nsLinks(init).pid;
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name) || Number(name) === init || nsLinks(Number(name)).pid !== ns) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.push(`${name} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 3)}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

beforeAll(async () => {
  reason = baseReason(['docker', 'dockerd', 'busybox']);
  if (reason === null && tryRun('docker', ['info']).status !== 0) reason = 'dockerd does not answer (scripts/ci-runtimes.sh starts it)';
  if (reason !== null) return;
  const t0 = Date.now();
  try {
    run('docker', ['import', '-c', 'ENV PATH=/bin', busyboxTar(), image]);
    run('docker', ['run', '-d', '--name', names.web, image, 'sh', '-c', `${SLEEP} & ${SLEEP} & wait`]);
    run('docker', ['run', '-d', '--name', names.db, '--hostname', 'dbhost', image, ...SLEEP.split(' ')]);
    run('docker', [
      'run',
      '-d',
      '--name',
      names.nest,
      '--cap-add',
      'SYS_ADMIN',
      '--security-opt',
      'seccomp=unconfined',
      '--security-opt',
      'apparmor=unconfined',
      image,
      'sh',
      '-c',
      `unshare -p -f -m --mount-proc sh -c "${SLEEP} & ${SLEEP}" & ${SLEEP} & wait`,
    ]);
    for (const k of Object.keys(names) as (keyof typeof names)[]) boxes[k] = inspect(names[k]);
    const nestInit = (boxes.nest as Box).init;
    // The nested namespace's init: the busybox unshare's child, in a PID namespace of its own.
    nested = await waitFor('the nested unshare', () => {
      for (const kid of childrenOf(nestInit)) {
        for (const grandkid of childrenOf(kid)) {
          if (nsLinks(grandkid).pid !== nsLinks(nestInit).pid && childrenOf(grandkid).length === 1) return grandkid;
        }
      }
      return null;
    });
    await waitFor('the workloads', () => (childrenOf((boxes.web as Box).init).length === 2 ? true : null));
  } catch (e) {
    reason = `docker could not start its workload: ${(e as Error).message}`;
    return;
  }
  timings.start = Date.now() - t0;
  let t = Date.now();
  ({ tar: hostTar, lsns } = captureHostSettled(() => [...Object.values(boxes).map((b) => (b as Box).init), nested]));
  timings.hostCapture = Date.now() - t;
  t = Date.now();
  for (const k of Object.keys(names) as (keyof typeof names)[]) {
    run('docker', ['cp', COLLECTOR, `${names[k]}:/tmp/nsnap-collect.sh`]);
    inside[k] = captureInside(k, ['docker', 'exec', names[k], 'sh', '/tmp/nsnap-collect.sh', '-o', '-', '--quiet', '--label', k]);
    if (k === 'db') leftInDb = othersInNs((boxes.db as Box).init);
  }
  timings.insideCaptures = Date.now() - t;
}, 300_000);

afterAll(() => {
  tryRun('docker', ['rm', '-f', ...Object.values(names)]);
  tryRun('docker', ['rmi', '-f', image]);
  removeScratch();
  reportTimings('docker', timings);
});

describe('docker', () => {
  it('host view: every PID and user namespace parent is lsns PNS, process counts are NPROCS', async (ctx) => {
    needRuntime('docker', reason, ctx);
    const model = await analyze(hostTar);
    const inits = [boxes.web, boxes.db, boxes.nest].map((b) => (b as Box).init).concat(nested);
    expect(expectParents(model, lsns, inits)).toBeGreaterThanOrEqual(5);
    expect(expectCounts(model, lsns, inits, hostNs())).toBeGreaterThanOrEqual(15);
  });

  for (const k of ['web', 'db', 'nest'] as const) {
    it(`merged with the view from inside ${k}: the same parents and counts, one process for each`, async (ctx) => {
      needRuntime('docker', reason, ctx);
      const model: Model = await analyze(hostTar, inside[k] as string);
      expect(
        model.views.map((v) => v.bootId),
        'one boot',
      ).toEqual([model.views[0]?.bootId, model.views[0]?.bootId]);
      expect(model.views[1]?.pidNamespace).toBe(`pid:${nsLinks((boxes[k] as Box).init).pid}`);
      const inits = k === 'nest' ? [(boxes.nest as Box).init, nested] : [(boxes[k] as Box).init];
      expectParents(model, lsns, inits);
      expectCounts(model, lsns, inits, hostNs(), selfPidOf(inside[k] as string));
    });
  }

  it('the capture inside db (PID 1 `sleep`, never reaps) left no process, zombie or alive', (ctx) => {
    needRuntime('docker', reason, ctx);
    expect(leftInDb).toEqual([]);
  });

  // Role and label: true values. These need the role rules of issue 14 (branch issue-14).
  it('roles: each container, in every namespace type, is a docker container named by its ID; the host is host', async (ctx) => {
    needRuntime('docker', reason, ctx);
    const model = await analyze(hostTar, inside.web as string);
    const problems: string[] = hostProblems(model);
    for (const k of ['web', 'db', 'nest'] as const) {
      const b = boxes[k] as Box;
      problems.push(...expectRoles(model, b.init, { role: 'container', names: ['docker', b.short] }));
    }
    // The nested unshare is no container: its PID namespace is unknown; its mount
    // namespace (and the ones it shares) belong to the container around it.
    const nest = boxes.nest as Box;
    problems.push(
      ...expectRoles(model, nested, { role: 'container', names: ['docker', nest.short] }, { pid: { role: 'unknown', names: [] } }),
    );
    expect(unique(problems)).toEqual([]);
  });
});
