// The reports in a real browser: Debian's Chromium driven by playwright-core. The HTML
// report must draw and work offline (no request but the document, no console error),
// stay inert with hostile names, and the Markdown report's Mermaid blocks must pass
// Mermaid's own parser. Screenshots go to test-artifacts/ (gitignored) for a human look.
// In CI a missing Chromium fails the suite; elsewhere it skips with the reason.

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTreeHtml } from '../../src/render/html-tree.js';
import { renderTreeMarkdown } from '../../src/render/markdown-tree.js';
import { pidNamespacesInTreeOrder, renderMermaid, type DiagramNode } from '../../src/render/mermaid.js';
import type { Analysis } from '../../src/model/types.js';
import { buildAnalysis } from '../../src/model/build.js';
import { loadView } from '../../src/source/load.js';
import { ARTIFACTS, chromiumMissing, inPage, launchBrowser, onlyDocument, openContext, openReport, renderWithMermaid } from './chromium.js';
import { mermaidBlocks } from './gfm.js';
import { analysisOf, hostileAnalysis, HOSTILE, R, U1804, U2004, WSL_ROLES, wslAnalysis, wslProcs } from './fixtures.js';

const SAMPLES = resolve('samples/wsl/gui-on');
/** The generated WSL sample snapshots, when they exist (they are made by `npm run samples`). */
const samples = existsSync(SAMPLES)
  ? readdirSync(SAMPLES)
      .filter((f) => f.endsWith('.tar.gz'))
      .sort()
  : [];

const missing = chromiumMissing('browser tests');
if (missing !== null) console.warn(`skipped: ${missing}`);

let browser: Browser;

const pidCount = (a: Analysis): number => a.namespaces.filter((n) => n.type === 'pid').length;
/** Position of a namespace in the drawing (tree order), which is its data-i. */
const indexOf = (a: Analysis, inode: number): number => pidNamespacesInTreeOrder(a).findIndex((n) => n.inode === inode);

describe.skipIf(missing !== null)(`reports in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the tree offline, opens a namespace on click, and searches PIDs and commands', async () => {
    const a = await wslAnalysis();
    const { ctx, watch } = await openContext(browser);
    const { page, url } = await openReport(ctx, 'report-tree.html', renderTreeHtml(a));

    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(pidCount(a));
    await expect(page.locator('#toolbar').isVisible()).resolves.toBe(true);
    await expect(page.locator('#details').isVisible()).resolves.toBe(false);

    // Click Ubuntu 20.04's namespace: the panel lists its processes with every PID level.
    const ubuntu = indexOf(a, U2004);
    await page.locator(`svg.tree a.ns[data-i="${ubuntu}"]`).click();
    const panel = page.locator('#details');
    await expect(panel.isVisible()).resolves.toBe(true);
    await expect(panel.locator('h2').textContent()).resolves.toBe(`pid:${U2004}`);
    const panelText = (await panel.textContent()) ?? '';
    expect(panelText).toContain('48950/4578/4419');
    expect(panelText).toContain('plan9 --control-socket 6');
    expect(panelText).toContain('wsl-user-distro');
    await expect(panel.locator('tbody tr').count()).resolves.toBe(6);
    await page.screenshot({ path: join(ARTIFACTS, 'report-tree.png'), fullPage: true });

    // A PID at a middle level finds the sleep and its namespace.
    await page.fill('#q', '4578');
    await expect(page.locator('#qstatus').textContent()).resolves.toBe('1 process in 1 namespace');
    await expect(page.locator('tr.hit').count()).resolves.toBe(2); // full table row and panel row
    await expect(page.locator('svg.tree a.ns.hit').getAttribute('data-i')).resolves.toBe(String(ubuntu));
    // Text in a command line, across namespaces.
    await page.fill('#q', 'sleep');
    await expect(page.locator('#qstatus').textContent()).resolves.toBe('2 processes in 2 namespaces');
    await expect(page.locator('svg.tree a.ns.hit').count()).resolves.toBe(2);
    // A namespace inode, and a miss.
    await page.fill('#q', String(U1804));
    await expect(page.locator('svg.tree a.ns.hit').getAttribute('data-i')).resolves.toBe(String(indexOf(a, U1804)));
    await page.fill('#q', 'no-such-thing');
    await expect(page.locator('#qstatus').textContent()).resolves.toBe('no match');
    await expect(page.locator('.hit').count()).resolves.toBe(0);
    await page.fill('#q', 'weston');
    await page.screenshot({ path: join(ARTIFACTS, 'report-tree-search.png') });

    // Print: no search, no panel, every table shown.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('#toolbar').isVisible()).resolves.toBe(false);
    await expect(page.locator('#details').isVisible()).resolves.toBe(false);
    await expect(page.locator('section.ns-section table.procs').count()).resolves.toBe(pidCount(a));
    await page.pdf({ path: join(ARTIFACTS, 'report-tree.pdf') });

    expect(watch.errors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    expect(onlyDocument(watch, url)).toEqual([]);
    await ctx.close();
  });

  it.runIf(samples.length > 0)('draws the WSL gui-on sample snapshots merged', async () => {
    const a = buildAnalysis(await Promise.all(samples.map((f) => loadView(join(SAMPLES, f)))));
    const { ctx, watch } = await openContext(browser);
    const { page, url } = await openReport(ctx, 'report-sample-gui-on.html', renderTreeHtml(a));
    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(pidCount(a));
    await page.locator('svg.tree a.ns').last().click();
    await expect(page.locator('#details').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'report-sample-gui-on.png'), fullPage: true });
    expect(watch.errors).toEqual([]);
    expect(onlyDocument(watch, url)).toEqual([]);
    await ctx.close();
  });

  it('is complete without JavaScript: the SVG, the tables and links from boxes to sections', async () => {
    const a = await wslAnalysis();
    const { ctx, watch } = await openContext(browser, false);
    const { page, url } = await openReport(ctx, 'report-tree-nojs.html', renderTreeHtml(a));
    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(pidCount(a));
    await expect(page.locator('#toolbar').isVisible()).resolves.toBe(false);
    await page.locator(`svg.tree a.ns[data-i="${indexOf(a, U2004)}"]`).click();
    expect(new URL(page.url()).hash).toBe(`#ns-${indexOf(a, U2004) + 1}`);
    await expect(page.locator(`#ns-${indexOf(a, U2004) + 1}`).textContent()).resolves.toContain('48950/4578/4419');
    expect(onlyDocument(watch, url)).toEqual([]);
    await ctx.close();
  });

  it('stays inert with hostile process names: no dialog, no request, no element from input', async () => {
    // Through the real reader: the name the brief asks about, as comm and cmdline.
    const procs = wslProcs().map((p) =>
      p.comm === 'sleep' ? { ...p, comm: '<img src=x onerror=alert(1)>', cmdline: ['<img src=x onerror=alert(1)>'] } : p,
    );
    const viaReader = await analysisOf(procs, WSL_ROLES);
    const everything = await hostileAnalysis();
    for (const [name, a] of [
      ['report-hostile-img.html', viaReader],
      ['report-hostile-all.html', everything],
    ] as const) {
      const { ctx, watch } = await openContext(browser);
      const { page, url } = await openReport(ctx, name, renderTreeHtml(a));
      await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(pidCount(a));
      // Exercise the script on every hostile string: open each namespace, search for markup.
      for (let i = 0; i < pidCount(a); i += 1) await page.locator(`svg.tree a.ns[data-i="${i}"]`).click();
      await page.fill('#q', '<img');
      await expect(page.locator('#qstatus').textContent()).resolves.not.toBe('no match');
      await page.waitForTimeout(200); // give an onerror handler time to fire, if one existed
      await expect(page.locator('img, iframe, object, embed').count()).resolves.toBe(0);
      await expect(page.locator('script').count()).resolves.toBe(2); // our data block and our script
      // The text shows up as text.
      await expect(page.locator('body').textContent()).resolves.toContain('<img src=x onerror=alert(1)>');
      if (a === everything) await page.screenshot({ path: join(ARTIFACTS, 'report-hostile.png'), fullPage: true });
      expect(watch.dialogs).toEqual([]);
      expect(watch.errors).toEqual([]);
      expect(onlyDocument(watch, url)).toEqual([]);
      await ctx.close();
    }
  });

  it('box tooltips break lines for real and hold the whole label; labels wrap at spaces inside the box', async () => {
    const a = await wslAnalysis();
    const sys = a.namespaces.filter((n) => n.role === 'wsl-system-distro');
    expect(sys).toHaveLength(2);
    // The real labels of WSLg's two system distros: the same first 40 characters.
    sys.forEach(
      (n, i) => (n.label = `system distro (WSLg) paired with Ubuntu-${i === 0 ? '20.04' : '18.04'}: contains WSLGd, weston, Xwayland`),
    );
    const { ctx, watch } = await openContext(browser);
    const { page } = await openReport(ctx, 'report-tree-labels.html', renderTreeHtml(a));
    const boxes = await inPage<{ tooltip: string; lines: string[]; widest: number; box: number }[]>(
      page,
      `Array.from(document.querySelectorAll('svg.tree a.ns')).map((e) => ({
        tooltip: e.querySelector('title').textContent,
        lines: Array.from(e.querySelectorAll('text.label')).map((t) => t.textContent),
        widest: Math.max(...Array.from(e.querySelectorAll('text')).map((t) => t.getComputedTextLength())),
        box: Number(e.querySelector('rect').getAttribute('width')),
      }))`,
    );
    for (const b of boxes) {
      expect(b.tooltip).not.toContain('\\x0a');
      expect(b.tooltip.split('\n').length).toBeGreaterThanOrEqual(3); // id, label, role and count
      expect(b.widest).toBeLessThanOrEqual(b.box - 12); // every line fits in its box
      // Wrapped at spaces: the lines put back together are the label's start.
      const label = b.tooltip.split('\n')[1] as string;
      expect(label.startsWith(b.lines.join(' ').replace(/…$/, ''))).toBe(true);
    }
    const wslg = boxes.filter((b) => b.tooltip.includes('system distro (WSLg)'));
    expect(wslg).toHaveLength(2);
    for (const b of wslg)
      expect(b.tooltip.split('\n')[1]).toMatch(/^system distro \(WSLg\) paired with Ubuntu-\d\d\.04: contains WSLGd, weston, Xwayland$/);
    // The two boxes can be told apart by what they show, not only by their tooltips.
    expect(wslg[0]?.lines.join(' ')).not.toBe(wslg[1]?.lines.join(' '));
    expect(wslg.map((b) => b.lines.join(' ')).sort()).toEqual([
      'system distro (WSLg) paired with Ubuntu-18.04: contains WSLGd, weston, Xwayland',
      'system distro (WSLg) paired with Ubuntu-20.04: contains WSLGd, weston, Xwayland',
    ]);
    expect(watch.errors).toEqual([]);
    await ctx.close();
  });

  it('opens a tree wider than the window with its root in view', async () => {
    // 30 namespaces under the root: the root sits in the middle of a canvas about 7700 px wide.
    const procs = [{ pid: 1, ppid: 0, nspid: [1], comm: 'systemd', cmdline: ['/sbin/init'], ns: { pid: R } }];
    for (let i = 0; i < 30; i += 1)
      procs.push({ pid: 100 + i, ppid: 1, nspid: [100 + i, 1], comm: 'sh', cmdline: ['sh'], ns: { pid: 4026532600 + i } });
    const a = await analysisOf(procs, { [R]: 'host' }, 1);
    const { ctx, watch } = await openContext(browser);
    const { page } = await openReport(ctx, 'report-tree-wide.html', renderTreeHtml(a));
    const geo = await inPage<{
      scrollWidth: number;
      canvasLeft: number;
      canvasRight: number;
      rootLeft: number;
      rootRight: number;
      title: string;
    }>(
      page,
      `(() => {
        const canvas = document.querySelector('.canvas');
        const root = document.querySelector('svg.tree a.ns.root');
        const c = canvas.getBoundingClientRect();
        const r = root.getBoundingClientRect();
        return { scrollWidth: canvas.scrollWidth, canvasLeft: c.left, canvasRight: c.right, rootLeft: r.left, rootRight: r.right, title: root.querySelector('title').textContent };
      })()`,
    );
    expect(geo.scrollWidth).toBeGreaterThan(3 * (geo.canvasRight - geo.canvasLeft));
    expect(geo.title.startsWith(`pid:${R}\n`)).toBe(true);
    expect(geo.rootLeft).toBeGreaterThanOrEqual(geo.canvasLeft);
    expect(geo.rootRight).toBeLessThanOrEqual(geo.canvasRight);
    expect(watch.errors).toEqual([]);
    await ctx.close();
  });

  it('never breaks a namespace id inside its number, even in a narrow window', async () => {
    const a = await wslAnalysis();
    const { ctx, watch } = await openContext(browser);
    const { page } = await openReport(ctx, 'report-tree-narrow.html', renderTreeHtml(a));
    await page.setViewportSize({ width: 420, height: 800 });
    await page.locator(`svg.tree a.ns[data-i="${indexOf(a, U2004)}"]`).click();
    const ids = await inPage<{ text: string; lines: number }[]>(
      page,
      `Array.from(document.querySelectorAll('code.id, #details h2, #details a.id')).map((e) => ({
        text: e.textContent,
        lines: new Set(Array.from(e.getClientRects()).map((r) => Math.round(r.top))).size,
      }))`,
    );
    expect(ids.length).toBeGreaterThan(pidCount(a) * 2);
    for (const id of ids) expect(id, id.text).toMatchObject({ lines: 1 });
    expect(ids.map((i) => i.text)).toContain(`pid:${U2004}`);
    expect(watch.errors).toEqual([]);
    await ctx.close();
  });

  it("passes Mermaid's own parser, hostile names and diff statuses included, and renders without live markup", async () => {
    const statusNodes: DiagramNode[] = HOSTILE.slice(0, 5).map((h, i) => ({
      key: `k${i}`,
      parent: i === 0 ? null : 'k0',
      title: h,
      lines: [h],
      role: 'container',
      status: (['same', 'added', 'removed', 'moved', 'changed'] as const)[i] ?? 'same',
      processCount: i,
    }));
    const texts = [
      ...mermaidBlocks(renderTreeMarkdown(await wslAnalysis())),
      ...mermaidBlocks(renderTreeMarkdown(await hostileAnalysis())),
      renderMermaid(statusNodes),
    ];
    expect(texts).toHaveLength(3);

    const { ctx, watch } = await openContext(browser);
    const { page, results } = await renderWithMermaid(ctx, texts);
    for (const r of results.out) expect(r.parsed).toBe(true);
    expect(results.live).toBe(0);
    // The hostile diagram shows the names as text, Mermaid's entity markers included.
    expect(results.out[1]?.svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(results.out[1]?.svg).toContain('\\ufb02°lt\\u00b6ß');
    await page.waitForTimeout(200);
    await page.locator('#out').screenshot({ path: join(ARTIFACTS, 'mermaid.png') });
    expect(watch.dialogs).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.requests.filter((r) => !r.startsWith('data:') && r !== 'about:blank')).toEqual([]);
    await ctx.close();
  });
});
