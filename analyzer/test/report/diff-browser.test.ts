// The diff reports in a real browser (Debian's Chromium via playwright-core, launched as
// in browser.test.ts): the HTML of the WSL samples gui-on vs gui-off draws offline (no
// request but the document, no console error), marks removed and moved namespaces,
// opens a namespace's before/after on click and searches; it is complete without
// JavaScript and inert with hostile names; and Mermaid's own parser accepts the
// Markdown's diagram. Screenshots go to test-artifacts/ for a human look.
// In CI a missing Chromium fails the suite; elsewhere it skips with the reason.

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffAnalyses } from '../../src/diff/index.js';
import type { DiffResult } from '../../src/diff/types.js';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { unionTree, type DiffSides } from '../../src/render/diff-diagram.js';
import { renderDiffMarkdown } from '../../src/render/diff-markdown.js';
import { renderDiffHtml } from '../../src/render/html-diff.js';
import { renderTreeHtml } from '../../src/render/html-tree.js';
import { applyRoles, loadRules } from '../../src/roles/index.js';
import { loadView } from '../../src/source/load.js';
import { world, type NsSpec } from '../diff/world.js';
import { HOSTILE } from './fixtures.js';
import { ARTIFACTS, chromiumMissing, inPage, launchBrowser, onlyDocument, openContext, openReport, renderWithMermaid } from './chromium.js';
import { mermaidBlocks } from './gfm.js';

const SAMPLES = resolve('samples/wsl');

const missing = chromiumMissing('diff browser tests');
const noSamples = existsSync(join(SAMPLES, 'gui-on')) && existsSync(join(SAMPLES, 'gui-off')) ? null : 'samples/wsl is missing';
if (noSamples && process.env.CI) throw new Error(`diff browser tests must run in CI, but ${noSamples}`);
const skip = missing ?? noSamples;
if (skip !== null) console.warn(`skipped: ${skip}`);

let browser: Browser;

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

async function samples(): Promise<{ d: DiffResult; sides: DiffSides }> {
  const sides = { before: await sampleSide('gui-on'), after: await sampleSide('gui-off') };
  return { d: diffAnalyses(sides.before, sides.after), sides };
}

function hostile(): { d: DiffResult; sides: DiffSides } {
  const names = ['<img src=x onerror=alert(1)>', 'a --> b', 'x]y', '`tick` ``` fence', 'one\ntwo', ...HOSTILE];
  const before: NsSpec[] = [
    { name: 'root', parent: null, init: '/init', procs: [] },
    { name: 'sys', parent: 'root', init: '/init', label: names[1], procs: [names[0] as string] },
    { name: 'user', parent: 'sys', init: '/sbin/init', label: names[0], procs: [names[0] as string, `sleep ${names[4]}`] },
  ];
  const after: NsSpec[] = [
    { name: 'root', parent: null, init: '/init', procs: [] },
    { name: 'user', parent: 'root', init: '/sbin/init', label: names[0], procs: [names[0] as string, `sleep ${names[4]}`] },
    ...names.map((h, i) => ({ name: `new${i}`, parent: 'root', init: h, label: h, procs: [h] })),
  ];
  const sides = { before: world(before), after: world(after, { bootId: 'boot-b', inodeBase: 4026539000, pidBase: 5000 }) };
  return { d: diffAnalyses(sides.before, sides.after), sides };
}

describe.skipIf(skip !== null)(`diff reports in Chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws gui-on vs gui-off offline, marks removed and moved, opens a namespace and searches', async () => {
    const { d, sides } = await samples();
    const union = unionTree(d, sides);
    const { ctx, watch } = await openContext(browser);
    const { page, url } = await openReport(ctx, 'diff-gui.html', renderDiffHtml(d, sides));

    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(union.length);
    const removed = page.locator('svg.tree a.ns.status-removed');
    const moved = page.locator('svg.tree a.ns.status-moved');
    await expect(removed.count()).resolves.toBe(2);
    await expect(moved.count()).resolves.toBe(2);
    // Removed: dashed outline and a badge; moved: its badge, and an arrow from each old parent.
    for (let i = 0; i < 2; i += 1) {
      await expect(removed.nth(i).locator('rect.box').getAttribute('stroke-dasharray')).resolves.toBeTruthy();
      await expect(removed.nth(i).locator('text.badge').textContent()).resolves.toBe('REMOVED');
      await expect(moved.nth(i).locator('text.badge').textContent()).resolves.toBe('MOVED');
    }
    await expect(page.locator('svg.tree g.moves path').count()).resolves.toBe(2);
    await expect(page.locator('.legend').textContent()).resolves.toMatch(/removed.*moved|moved.*removed/);
    await expect(page.locator('table.changes tbody tr').count()).resolves.toBe(d.changes.length);

    // Click a moved user distro: the panel shows both sides, its changes and its old parent.
    const i = Number(await moved.first().getAttribute('data-i'));
    const u = union[i];
    await moved.first().click();
    const panel = page.locator('#details');
    await expect(panel.isVisible()).resolves.toBe(true);
    await expect(panel.locator('h2').textContent()).resolves.toBe(`→ ${u?.after?.id}`);
    const text = (await panel.textContent()) ?? '';
    expect(text).toContain(`before${u?.before?.id}`);
    expect(text).toContain('old parent');
    expect(text).toMatch(/is now a direct child of/);
    await expect(panel.locator('table.procs').count()).resolves.toBe(2);
    await expect(panel.locator('table.procs').first().locator('tbody tr').count()).resolves.toBe(u?.before?.processes.length);
    await page.screenshot({ path: join(ARTIFACTS, 'diff-gui.png'), fullPage: false });

    // The old-parent link in the panel opens the removed system distro.
    await panel.locator('dd a').last().click();
    await expect(panel.locator('h2').textContent()).resolves.toMatch(/^− pid:/);
    await expect(panel.locator('dl').textContent()).resolves.toContain('removed');

    // Search: a process only BEFORE had (weston, in a removed namespace) and a PID at an inner level.
    await page.fill('#q', 'weston');
    await expect(page.locator('#qstatus').textContent()).resolves.toMatch(/^\d+ process(es)? in \d+ namespaces?$/);
    await expect(page.locator('svg.tree a.ns.hit.status-removed').count()).resolves.toBeGreaterThan(0);
    // The PID of the moved distro's init in the outermost view finds it (and maybe a namesake in the other boot).
    const initPid = sides.after.processes.find((p) => p.id === u?.after?.init)?.nspid[0];
    await page.fill('#q', String(initPid));
    const hitBoxes = await page.locator('svg.tree a.ns.hit').evaluateAll((els) => els.map((e) => e.getAttribute('data-i')));
    expect(hitBoxes).toContain(String(i));
    await page.fill('#q', 'no-such-thing');
    await expect(page.locator('#qstatus').textContent()).resolves.toBe('no match');
    await page.fill('#q', 'weston');
    await page.screenshot({ path: join(ARTIFACTS, 'diff-gui-search.png') });

    // Print: no search, no panel, every section.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('#dtoolbar').isVisible()).resolves.toBe(false);
    await expect(page.locator('#details').isVisible()).resolves.toBe(false);
    await expect(page.locator('section.ns-section').count()).resolves.toBe(union.length);

    expect(watch.errors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    expect(onlyDocument(watch, url)).toEqual([]);
    await ctx.close();
  });

  it('runs the same one client script as the tree page; tooltips break lines; the WSLg boxes differ; the root opens in view', async () => {
    const { d, sides } = await samples();
    const diffPage = renderDiffHtml(d, sides);
    const scripts = (page: string): string[] => [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    // One client script, byte for byte the tree page's: no copy of it lives in the diff page.
    expect(scripts(diffPage)).toEqual(scripts(renderTreeHtml(sides.after)));
    expect(scripts(diffPage)).toHaveLength(1);
    const { ctx, watch } = await openContext(browser);
    const { page } = await openReport(ctx, 'diff-gui-labels.html', diffPage);
    const boxes = await inPage<{ tooltip: string; shown: string }[]>(
      page,
      `Array.from(document.querySelectorAll('svg.tree a.ns')).map((e) => ({
        tooltip: e.querySelector('title').textContent,
        shown: Array.from(e.querySelectorAll('text.label')).map((t) => t.textContent).join(' '),
      }))`,
    );
    for (const b of boxes) expect(b.tooltip).not.toContain('\\x0a');
    const wslg = boxes.filter((b) => b.tooltip.includes('system distro (WSLg) paired with'));
    expect(wslg).toHaveLength(2);
    expect(new Set(wslg.map((b) => b.shown)).size).toBe(2);
    for (const b of wslg) expect(b.shown).toMatch(/Ubuntu-(18|20)\.04/);
    const inView = await inPage<boolean>(
      page,
      `(() => {
        const c = document.querySelector('.canvas').getBoundingClientRect();
        const r = document.querySelector('svg.tree a.ns.root').getBoundingClientRect();
        return r.left >= c.left && r.right <= c.right;
      })()`,
    );
    expect(inView).toBe(true);
    // The shared script drives the diff page's panel.
    await page.locator('svg.tree a.ns.root').click();
    await expect(page.locator('#details h2').textContent()).resolves.toMatch(/pid:4026531836$/);
    expect(watch.errors).toEqual([]);
    await ctx.close();
  });

  it('is complete without JavaScript: drawing, changes, and links from boxes to before/after sections', async () => {
    const { d, sides } = await samples();
    const union = unionTree(d, sides);
    const { ctx, watch } = await openContext(browser, false);
    const { page, url } = await openReport(ctx, 'diff-gui-nojs.html', renderDiffHtml(d, sides));
    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(union.length);
    await expect(page.locator('#dtoolbar').isVisible()).resolves.toBe(false);
    const removed = page.locator('svg.tree a.ns.status-removed').first();
    const i = Number(await removed.getAttribute('data-i'));
    await removed.click();
    expect(new URL(page.url()).hash).toBe(`#ns-${i + 1}`);
    const section = page.locator(`#ns-${i + 1}`);
    await expect(section.textContent()).resolves.toContain('after: not there');
    await expect(section.locator('table.procs').count()).resolves.toBe(1);
    expect(onlyDocument(watch, url)).toEqual([]);
    await ctx.close();
  });

  it('stays inert with hostile names: no dialog, no request, no element from input', async () => {
    const { d, sides } = hostile();
    const n = unionTree(d, sides).length;
    const { ctx, watch } = await openContext(browser);
    const { page, url } = await openReport(ctx, 'diff-hostile.html', renderDiffHtml(d, sides));
    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(n);
    for (let i = 0; i < n; i += 1) await page.locator(`svg.tree a.ns[data-i="${i}"]`).click();
    await page.fill('#q', '<img');
    await expect(page.locator('#qstatus').textContent()).resolves.not.toBe('no match');
    await page.waitForTimeout(200); // give an onerror handler time to fire, if one existed
    await expect(page.locator('img, iframe, object, embed').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(2); // data, the reports' one script
    await expect(page.locator('body').textContent()).resolves.toContain('<img src=x onerror=alert(1)>');
    await page.screenshot({ path: join(ARTIFACTS, 'diff-hostile.png') });
    expect(watch.dialogs).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(onlyDocument(watch, url)).toEqual([]);
    await ctx.close();
  });

  it("passes Mermaid's own parser: the diff Markdown's diagram, samples and hostile names", async () => {
    const s = await samples();
    const h = hostile();
    const texts = [...mermaidBlocks(renderDiffMarkdown(s.d, s.sides)), ...mermaidBlocks(renderDiffMarkdown(h.d, h.sides))];
    expect(texts).toHaveLength(2);

    const { ctx, watch } = await openContext(browser);
    const { page, results } = await renderWithMermaid(ctx, texts);
    for (const r of results.out) expect(r.parsed).toBe(true);
    expect(results.live).toBe(0);
    // The markers and status words survive into the picture.
    expect(results.out[0]?.svg).toContain('− pid:');
    expect(results.out[0]?.svg).toContain('→ pid:');
    expect(results.out[0]?.svg).toContain('old parent');
    expect(results.out[1]?.svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
    await page.waitForTimeout(200);
    await page
      .locator('#out svg')
      .first()
      .screenshot({ path: join(ARTIFACTS, 'diff-mermaid.png') });
    expect(watch.dialogs).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.requests.filter((r) => !r.startsWith('data:') && r !== 'about:blank')).toEqual([]);
    await ctx.close();
  });
});
