// The reproduction from issue 14, on this machine's real /proc: a host process with
// --type=renderer (and others that mimic Chromium's zygote and Firefox's content
// processes) in its argv, captured by the collector, must leave the host `host`.

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadView } from '../../src/source/load.js';
import { privateDir, removeScratch, runCollector } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason } from '../helpers/gate.js';
import { killGroup, spawnGroup } from '../helpers/process-group.js';
import { analyse } from './world.js';
import { schemaErrors } from './schema.js';

const g = gate(liveSkipReason());
if (g.skip) console.log(`skipping the live --type=renderer reproduction: ${g.reason ?? ''}`);

const MIMICS = [
  ['sh', '-c', 'sleep 60', 'x', '--type=renderer'],
  ['sh', '-c', 'sleep 60', 'x', '--type=zygote'],
  ['sh', '-c', 'sleep 60', 'x', '-contentproc', 'tab'],
];

const children: ChildProcess[] = [];

function argvOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return null;
  }
}

async function waitFor(test: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('the mimic processes did not start within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(g.skip)('live: a host process with --type=renderer in its argv', () => {
  beforeAll(async () => {
    assertGate(g);
    for (const argv of MIMICS) children.push(spawnGroup(argv));
    await waitFor(() => children.every((c, i) => c.pid !== undefined && argvOf(c.pid) === (MIMICS[i] as string[]).join(' ')), 10_000);
  });

  afterAll(() => {
    for (const c of children.splice(0)) killGroup(c);
    removeScratch();
  });

  it('leaves the host `host`, and the view at level host', async () => {
    const out = join(privateDir('renderer'), 'f.tar.gz');
    const r = runCollector(['-o', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    const view = await loadView(out);
    const a = analyse([view]);
    // The capture really holds the mimics, so the test would see a mislabelled host.
    const pids = children.map((c) => c.pid as number);
    const seen = a.processes.filter((p) => pids.includes(p.nspid[0] as number));
    expect(seen.map((p) => p.cmdline).sort()).toEqual(MIMICS.map((m) => m.join(' ')).sort());
    const own = new Set(seen.map((p) => p.ns.pid));
    expect(own.size).toBe(1);
    const root = a.namespaces.find((n) => n.id === [...own][0]);
    expect(root?.inode).toBe(4026531836);
    expect(root?.role).toBe('host');
    const pid1 = readFileSync('/proc/1/comm', 'utf8').trim();
    expect(root?.label).toBe(`host, PID 1 ${pid1}`);
    expect(a.views[0]?.level).toBe('host');
    expect(a.namespaces.filter((n) => n.type === 'pid' && n.depth === 0).map((n) => n.role)).toEqual(['host']);
    expect(schemaErrors(a)).toEqual([]);
  });
});
