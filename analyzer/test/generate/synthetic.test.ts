// The synthetic generator: same seed, same bytes; the requested shape; a reboot renumbers
// the same shape.
import { scratchDir } from '../helpers/scratch.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAnalysis } from '../../src/model/build.js';
import { loadView } from '../../src/source/load.js';
import { generateSynthetic, modelDepth } from '../../../tools/generate/synthetic.js';
import { writeViews } from '../../../tools/generate/write-views.js';
import { NS_TYPES } from '../../src/procfs/ns-link.js';

const OPTS = { processes: 400, pidNamespaces: 40, maxDepth: 32, seed: 7 };

describe('synthetic generator', () => {
  it('is deterministic: same seed, same bytes', async () => {
    const a = await writeViews(generateSynthetic(OPTS), scratchDir('nsnap-s-'));
    const b = await writeViews(generateSynthetic(OPTS), scratchDir('nsnap-s-'));
    expect(readFileSync(a[0]?.file as string).equals(readFileSync(b[0]?.file as string))).toBe(true);
  });

  it('has the requested counts, depth up to 32 and all 8 types', async () => {
    const model = generateSynthetic(OPTS);
    expect(model.processes).toHaveLength(400);
    expect(model.namespaces).toHaveLength(40);
    expect(modelDepth(model)).toBe(32);
    const deep = generateSynthetic({ ...OPTS, maxDepth: 40 });
    expect(modelDepth(deep)).toBeLessThanOrEqual(32);
    const [w] = await writeViews(model, scratchDir('nsnap-s-'));
    const view = await loadView(w?.file as string);
    expect(view.problems).toEqual([]);
    const a = buildAnalysis([view]);
    expect(a.namespaces.filter((n) => n.type === 'pid')).toHaveLength(40);
    const types = new Set(a.namespaces.filter((n) => n.inode !== null).map((n) => n.type));
    for (const t of NS_TYPES) expect(types.has(t)).toBe(true);
    expect(Math.max(...a.namespaces.map((n) => (n.type === 'pid' ? (n.depth ?? 0) : 0)))).toBe(32);
  });

  it('a reboot keeps the shape and changes the numbers', () => {
    const a = generateSynthetic(OPTS);
    const b = generateSynthetic({ ...OPTS, boot: 1 });
    expect(b.bootId).not.toBe(a.bootId);
    expect(b.processes.map((p) => p.comm)).toEqual(a.processes.map((p) => p.comm));
    expect(b.processes.map((p) => p.nspid.length)).toEqual(a.processes.map((p) => p.nspid.length));
    expect(b.namespaces.map((n) => n.inode)).not.toEqual(a.namespaces.map((n) => n.inode));
  });

  it('inner views of one boot merge', async () => {
    const model = generateSynthetic({ ...OPTS, innerViews: 2 });
    const files = await writeViews(model, scratchDir('nsnap-s-'));
    const views = await Promise.all(files.map((f) => loadView(f.file)));
    const a = buildAnalysis(views);
    expect(a.views).toHaveLength(3);
    expect(a.namespaces.filter((n) => n.type === 'pid')).toHaveLength(40);
  });
});
