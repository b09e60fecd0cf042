// The diff reports' union tree and its Markdown, Mermaid and HTML forms: every PID
// namespace of either side drawn exactly once, statuses right on the WSL samples
// (guiApplications on → off: two system distros removed, two user distros moved), and
// hostile names that never break the Markdown, the Mermaid block or the HTML.

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { diffAnalyses } from '../../src/diff/index.js';
import type { DiffResult } from '../../src/diff/types.js';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { renderDiffDot, renderDiffMermaid, unionTree, type DiffSides } from '../../src/render/diff-diagram.js';
import { renderDiffMarkdown } from '../../src/render/diff-markdown.js';
import { renderDiffHtml } from '../../src/render/html-diff.js';
import { applyRoles, loadRules } from '../../src/roles/index.js';
import { loadView } from '../../src/source/load.js';
import { relabel, removeNamespace, world, type NsSpec } from '../diff/world.js';
import { gfmCells, gfmTables, mermaidBlocks } from './gfm.js';
import { HOSTILE } from './fixtures.js';

const SAMPLES = resolve('samples/wsl');
const haveSamples = existsSync(join(SAMPLES, 'gui-on')) && existsSync(join(SAMPLES, 'gui-off'));

/** One side as `nsnap diff` builds it: every view of the folder merged, roles applied. */
async function sampleSide(dir: string): Promise<Analysis> {
  const files = readdirSync(join(SAMPLES, dir))
    .filter((f) => f.endsWith('.tar.gz'))
    .sort();
  const views = await Promise.all(files.map((f) => loadView(join(SAMPLES, dir, f))));
  const a = buildAnalysis(views);
  applyRoles(a, views, loadRules());
  return a;
}

const pidIds = (a: Analysis): string[] => a.namespaces.filter((n) => n.type === 'pid').map((n) => n.id);

/** Each side's PID namespaces appear exactly once in the union, and the union is no bigger. */
function checkUnion(d: DiffResult, sides: DiffSides): void {
  const union = unionTree(d, sides);
  const seenBefore = union.flatMap((u) => (u.before ? [u.before.id] : []));
  const seenAfter = union.flatMap((u) => (u.after ? [u.after.id] : []));
  expect([...seenBefore].sort()).toEqual(pidIds(sides.before).sort());
  expect([...seenAfter].sort()).toEqual(pidIds(sides.after).sort());
  const matched = d.matches.filter((m) => m.type === 'pid').length;
  expect(union).toHaveLength(pidIds(sides.before).length + pidIds(sides.after).length - matched);
  // Parents come first and exist, so the drawing is a tree.
  const at = new Map(union.map((u, i) => [u.key, i]));
  union.forEach((u, i) => {
    if (u.parent !== null) expect(at.get(u.parent)).toBeLessThan(i);
  });
}

describe.runIf(haveSamples)('the union tree of the WSL samples, guiApplications on → off', () => {
  const load = async (): Promise<{ d: DiffResult; sides: DiffSides }> => {
    const sides = { before: await sampleSide('gui-on'), after: await sampleSide('gui-off') };
    return { d: diffAnalyses(sides.before, sides.after), sides };
  };

  it('holds every PID namespace of both sides once: 2 removed system distros, 2 moved user distros', async () => {
    const { d, sides } = await load();
    checkUnion(d, sides);
    const union = unionTree(d, sides);
    const by = (s: string) => union.filter((u) => u.status === s);
    expect(by('removed').map((u) => u.before?.role)).toEqual(['wsl-system-distro', 'wsl-system-distro']);
    expect(by('moved').map((u) => u.after?.role)).toEqual(['wsl-user-distro', 'wsl-user-distro']);
    expect(by('added')).toEqual([]);
    // A moved user distro hangs under the VM root now and points back at its old system distro.
    const root = union.find((u) => u.after?.role === 'wsl-vm');
    for (const u of by('moved')) {
      expect(u.parent).toBe(root?.key);
      expect(by('removed').map((r) => r.key)).toContain(u.wasUnder);
      expect(u.changes.map((c) => c.kind)).toContain('namespace-moved');
    }
  });

  it('draws them in Mermaid with a marker and class per status and an arrow from each old parent', async () => {
    const { d, sides } = await load();
    const blocks = mermaidBlocks(renderDiffMarkdown(d, sides));
    expect(blocks).toHaveLength(1);
    const lines = (blocks[0] as string).split('\n');
    const nodes = lines.filter((l) => /^ {2}n\d+\[/.test(l));
    expect(nodes).toHaveLength(unionTree(d, sides).length);
    expect(nodes.filter((l) => l.includes('#8722; pid') && l.endsWith('REMOVED"]'))).toHaveLength(2); // − marker
    expect(nodes.filter((l) => l.includes('#8594; pid') && l.endsWith('MOVED"]'))).toHaveLength(2); // → marker
    expect(lines.filter((l) => /^ {2}class n\d+,n\d+ status_removed$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}class n\d+,n\d+ status_moved$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}n\d+ -\.->\|old parent\| n\d+$/.test(l))).toHaveLength(2);
  });

  it('marks the same statuses in the HTML drawing and DOT graph', async () => {
    const { d, sides } = await load();
    const page = renderDiffHtml(d, sides);
    const n = unionTree(d, sides).length;
    expect(page.match(/<a href="#ns-\d+" class="ns status-/g)).toHaveLength(n);
    expect(page.match(/class="ns status-removed"/g)).toHaveLength(2);
    expect(page.match(/class="ns status-moved"/g)).toHaveLength(2);
    expect(page.match(/<path d="[^"]*"\/>/g)?.length).toBeGreaterThanOrEqual(n - 1 + 2); // tree edges + old-parent arrows
    const dot = renderDiffDot(d, sides);
    expect(dot.match(/style="rounded,filled,dashed"/g)).toHaveLength(4); // removed and moved both dash
    expect(dot.match(/\\nREMOVED"/g)).toHaveLength(2);
  });
});

describe('the union tree, property', () => {
  const INITS = ['/init', '/sbin/init', 'sh -c app', '/pause'];
  const specsArb = fc
    .array(fc.record({ parent: fc.nat(), init: fc.nat(INITS.length - 1) }), { minLength: 2, maxLength: 12 })
    .map((rows): NsSpec[] =>
      rows.map((r, i) => ({
        name: `n${i}`,
        parent: i === 0 ? null : `n${r.parent % i}`,
        init: INITS[r.init] as string,
        procs: [`worker --job ${i}`],
      })),
    );

  it('holds every namespace of both sides once after removals across a reboot', () => {
    fc.assert(
      fc.property(specsArb, fc.nat(), fc.integer({ min: 1, max: 1e9 }), (specs, pick, seed) => {
        const before = world(specs);
        const ids = pidIds(before).slice(1); // keep the root
        const victim = ids[pick % ids.length] as string;
        const after = relabel(removeNamespace(before, victim), 'boot-b', seed);
        const sides = { before, after };
        const d = diffAnalyses(before, after);
        checkUnion(d, sides);
        expect(unionTree(d, sides).filter((u) => u.status === 'removed').length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Hostile names: labels, inits and process names from HOSTILE and the brief's own list.

const NASTY = ['<img src=x onerror=alert(1)>', 'a --> b', 'x]y', '`tick` ``` fence', 'one\ntwo', ...HOSTILE];

function hostileSides(): DiffSides {
  const label = (i: number): string => NASTY[i % NASTY.length] as string;
  const before: NsSpec[] = [
    { name: 'root', parent: null, init: '/init', label: label(0), procs: [] },
    { name: 'sys', parent: 'root', init: '/init', label: label(1), procs: [NASTY[2] as string, 'WSLGd'] },
    { name: 'user', parent: 'sys', init: '/sbin/init', label: label(3), procs: [`sleep ${NASTY[4]}`, NASTY[0] as string] },
  ];
  const after: NsSpec[] = [
    { name: 'root', parent: null, init: '/init', label: label(0), procs: [] },
    { name: 'user', parent: 'root', init: '/sbin/init', label: label(3), procs: [`sleep ${NASTY[4]}`, NASTY[0] as string] },
    ...NASTY.map((h, i) => ({ name: `new${i}`, parent: 'root', init: h, label: h, procs: [h, `${h} --x`] })),
  ];
  return { before: world(before), after: world(after, { bootId: 'boot-b', inodeBase: 4026539000, pidBase: 5000 }) };
}

describe('diff reports with hostile names', () => {
  const sides = hostileSides();
  const d = diffAnalyses(sides.before, sides.after);

  it('keep the Mermaid block one fenced block of generated ids and quoted, entity-escaped labels', () => {
    checkUnion(d, sides);
    const union = unionTree(d, sides);
    expect(union.filter((u) => u.status === 'added')).toHaveLength(NASTY.length);
    const md = renderDiffMarkdown(d, sides);
    const blocks = mermaidBlocks(md);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toBe(renderDiffMermaid(union));
    const allowed = [
      /^flowchart TD$/,
      /^ {2}n\d+\["[A-Za-z0-9 ._/,()\-+=@?!#;]*"\]$/, // mermaidText's alphabet, joined by <br/>
      /^ {2}n\d+ --> n\d+$/,
      /^ {2}n\d+ -\.->\|old parent\| n\d+$/,
      /^ {2}classDef (role|status)_[a-z_]+ [a-z:#0-9,\- ]+$/,
      /^ {2}class n\d+(,n\d+)* (role|status)_[a-z_]+$/,
      /^$/,
    ];
    for (const line of (blocks[0] as string).split('\n')) {
      const bare = line.replace(/<br\/>/g, ' ');
      expect(
        allowed.some((re) => re.test(bare)),
        line,
      ).toBe(true);
    }
    // marked sees exactly one code block, the mermaid one, and it holds the whole diagram.
    const code = marked.lexer(md).filter((t) => t.type === 'code');
    expect(code.map((t) => (t as { lang?: string }).lang)).toEqual(['mermaid']);
  });

  it('keep the Markdown tables intact and untrusted text in code spans', () => {
    const md = renderDiffMarkdown(d, sides);
    for (const rows of gfmTables(md)) {
      const width = gfmCells(rows[0] as string).length;
      for (const r of rows) expect(gfmCells(r), r).toHaveLength(width);
    }
    const prose = md.replace(/^```mermaid\n[\s\S]*?^```$/m, '').replace(/(`+) [^\n]*? \1/g, '');
    expect(prose).not.toMatch(/<img|<script|onerror/);
    expect(md).not.toContain('\u001b');
    const html = marked.parse(md.replace(/^```mermaid\n[\s\S]*?^```$/m, ''), { async: false });
    // Outside <code> (where it is literal text) no element or link comes from input.
    expect(html.replace(/<code>[^<]*<\/code>/g, '')).not.toMatch(/<img|<script|<a |javascript:|onerror/);
  });

  it('keep the HTML free of markup from input: only our elements, data as escaped JSON', () => {
    const page = renderDiffHtml(d, sides);
    expect(page).not.toMatch(/<img|<iframe|<script>alert|<\/script><script>alert/);
    expect(page.match(/<script/g)).toHaveLength(2); // our data block and the reports' one script
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const json = /<script type="application\/json" id="nsnap-data">(.*?)<\/script>/s.exec(page)?.[1] ?? '';
    const data = JSON.parse(json) as { items: Array<{ label: string }> };
    expect(data.items).toHaveLength(unionTree(d, sides).length);
    expect(data.items.map((u) => u.label)).toContain('<img src=x onerror=alert(1)>');
    expect(data.items.map((u) => u.label)).toContain('one\\x0atwo'); // visible(), not a raw newline
    // The DOT graph keeps each label one quoted string.
    for (const line of renderDiffDot(d, sides)
      .split('\n')
      .filter((l) => /^ {2}n\d+ \[/.test(l)))
      expect(line).toMatch(/^ {2}n\d+ \[label="([^"\\]|\\.)*", fillcolor="#[0-9a-f]{6}", color="#[0-9a-f]{6}"/);
  });

  it('draw no diagram without the two analyses (a DiffResult alone names namespaces only by id)', () => {
    expect(mermaidBlocks(renderDiffMarkdown(d))).toEqual([]);
  });
});
