// A real namespace inode reused between two captures of one boot. The kernel hands out
// namespace inodes lowest-free first, so a PID namespace that dies and is followed by a
// new one usually gets the same number back. Captured: the root view and an inner view
// while the first namespace lives; then, after it died, an inner view of the second.
// The merged model must keep the two apart, and `nsnap diff` of the two inner captures
// must say the namespace was replaced.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAnalysis } from '../../src/model/build.js';
import { loadView } from '../../src/source/load.js';
import type { DiffResult, NamespaceAddedOrRemoved } from '../../src/diff/types.js';
import { removeScratch, runCollector } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { buildLiveTree, type LiveTree } from '../helpers/live-tree.js';
import { cli } from '../helpers/run-cli.js';

const g = gate(liveSkipReason(), toolMissing('nsenter'));
if (g.skip) console.log(`skipping the live inode-reuse test: ${g.reason}`);

interface Captures {
  inode: number;
  first: LiveTree;
  second: LiveTree;
  root: string;
  innerFirst: string;
  innerSecond: string;
  attempts: number;
}

describe.skipIf(g.skip)('a namespace inode reused between two captures (live)', () => {
  let work = '';
  let got: Captures | null = null;
  const trees: LiveTree[] = [];

  const capture = (file: string, prefix: string[] = []): string => {
    const r = runCollector(['--quiet', '-o', file], { prefix, timeoutMs: 240_000 });
    if (r.status !== 0) throw new Error(`capture ${file} failed (${r.status}): ${r.stderr}`);
    return file;
  };
  const inside = (t: LiveTree): string[] => ['nsenter', '-t', String(t.top.initPid), '-p', '-m'];

  beforeAll(async () => {
    assertGate(g);
    work = mkdtempSync(join(tmpdir(), 'nsnap-reuse-'));
    // Other tests make namespaces on this machine too and may take the freed inode
    // first, so try a few times.
    for (let attempt = 1; attempt <= 5 && got === null; attempt += 1) {
      const first = await buildLiveTree({ sleepers: 1 });
      trees.push(first);
      const root = capture(join(work, `root-${attempt}.tar.gz`));
      const innerFirst = capture(join(work, `inner-first-${attempt}.tar.gz`), inside(first));
      await first.destroy();
      const second = await buildLiveTree({ sleepers: 2 });
      trees.push(second);
      if (second.top.inode !== first.top.inode) {
        await second.destroy();
        continue;
      }
      const innerSecond = capture(join(work, `inner-second-${attempt}.tar.gz`), inside(second));
      got = { inode: first.top.inode, first, second, root, innerFirst, innerSecond, attempts: attempt };
    }
  }, 600_000);

  afterAll(async () => {
    for (const t of trees) await t.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
    removeScratch();
  });

  it('the kernel reused the inode', () => {
    expect(got, 'no new PID namespace got the freed inode back in 5 attempts').not.toBeNull();
  });

  it('the merged model keeps the two namespaces apart, each with its own processes, with NS_REUSED', async () => {
    const c = got as Captures;
    const views = [await loadView(c.root), await loadView(c.innerSecond)];
    const a = buildAnalysis(views);
    const old = a.namespaces.find((n) => n.id === `pid:${c.inode}`);
    const now = a.namespaces.find((n) => n.id === `pid:${c.inode}~2`);
    expect(old?.inode).toBe(c.inode);
    expect(now?.inode).toBe(c.inode);
    // The first generation: exactly the first tree's processes, from the root view.
    const rootPids = (ids: string[]) => ids.map((id) => Number(id.split('@')[0])).sort((x, y) => x - y);
    expect(rootPids(old?.processes ?? [])).toEqual(c.first.top.members);
    const procs = new Map(a.processes.map((p) => [p.id, p]));
    for (const id of old?.processes ?? []) expect(procs.get(id)?.views).toEqual([0]);
    // The second generation: only the inner view's processes: its init and its two
    // sleepers (plus the collector that ran inside it), none of the first.
    const second = (now?.processes ?? []).map((id) => procs.get(id));
    for (const p of second) expect(p?.views).toEqual([1]);
    expect(second.filter((p) => p?.comm === 'sleep')).toHaveLength(2);
    expect(second.find((p) => p?.nspid.at(-1) === 1)?.comm).toBe('sh');
    const reused = a.diagnostics.filter((d) => d.code === 'NS_REUSED' && d.evidence.inode === c.inode);
    expect(reused).toHaveLength(1);
    expect(reused[0]?.evidence.views).toEqual([0, 1]);
    expect(reused[0]?.evidence.ids).toEqual([`pid:${c.inode}`, `pid:${c.inode}~2`]);
    expect(a.diagnostics.filter((d) => d.code === 'PID_REUSED')).toEqual([]);
    expect(new Set(a.processes.map((p) => p.id)).size).toBe(a.processes.length);
  });

  it('nsnap diff of the two inner captures says the namespace was replaced', async () => {
    const c = got as Captures;
    const r = await cli('diff', c.innerFirst, c.innerSecond, '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout) as DiffResult;
    expect(d.matching).toBe('inode');
    const id = `pid:${c.inode}`;
    expect(d.matches.find((m) => m.before === id)).toBeUndefined();
    const pick = (kind: string) =>
      d.changes.find((x) => x.kind === kind && 'type' in x && x.type === 'pid') as NamespaceAddedOrRemoved | undefined;
    expect(pick('namespace-removed')).toMatchObject({ before: id, replaced: id });
    expect(pick('namespace-added')).toMatchObject({ after: id, replaced: id });
    expect(pick('namespace-added')?.processes.find((p) => p.comm === 'sleep')?.count).toBe(2);
    // The mount namespace made with it went with it on each side, not matched by its number.
    const mnt = d.matches.filter((m) => m.type === 'mnt');
    for (const m of mnt) expect(pick('namespace-removed')?.with.includes(m.before)).toBe(false);
  });
});
