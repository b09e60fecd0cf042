// The reports in a real browser: Debian's Chromium driven by playwright-core. The HTML
// report must draw and work offline (no request but the document, no console error),
// stay inert with hostile names, and the Markdown report's Mermaid blocks must pass
// Mermaid's own parser. Screenshots go to test-artifacts/ (gitignored) for a human look.
// In CI a missing Chromium fails the suite; elsewhere it skips with the reason.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTreeHtml } from '../../src/render/html-tree.js';
import { renderTreeMarkdown } from '../../src/render/markdown-tree.js';
import { pidNamespacesInTreeOrder, renderMermaid, type DiagramNode } from '../../src/render/mermaid.js';
import type { Analysis } from '../../src/model/types.js';
import { buildAnalysis } from '../../src/model/build.js';
import { loadView } from '../../src/source/load.js';
import { mermaidBlocks } from './gfm.js';
import { analysisOf, hostileAnalysis, HOSTILE, U1804, U2004, WSL_ROLES, wslAnalysis, wslProcs } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = resolve('test-artifacts');
const MERMAID_JS = resolve('node_modules/mermaid/dist/mermaid.min.js');

const SAMPLES = resolve('samples/wsl/gui-on');
/** The generated WSL sample snapshots, when they exist (they are made by `npm run samples`). */
const samples = existsSync(SAMPLES)
  ? readdirSync(SAMPLES)
      .filter((f) => f.endsWith('.tar.gz'))
      .sort()
  : [];

const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed`;
if (missing && process.env.CI) throw new Error(`browser tests must run in CI, but ${missing}`);

/** Everything a page did that a report must not do. */
interface Watch {
  requests: string[];
  errors: string[];
  dialogs: string[];
}

let browser: Browser;

async function openContext(javaScriptEnabled = true): Promise<{ ctx: BrowserContext; watch: Watch }> {
  const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1400, height: 900 } });
  const watch: Watch = { requests: [], errors: [], dialogs: [] };
  // Record every request, then refuse it: a test must never reach the network.
  await ctx.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  ctx.on('request', (r) => watch.requests.push(r.url()));
  ctx.on('page', (p) => watchPage(p, watch));
  return { ctx, watch };
}

function watchPage(p: Page, watch: Watch): void {
  p.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
  });
  p.on('pageerror', (e) => watch.errors.push(String(e)));
  p.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
}

/** Writes the page to test-artifacts/ and opens it by file:// URL, as a maintainer would. */
async function openReport(ctx: BrowserContext, name: string, text: string): Promise<{ page: Page; url: string }> {
  const path = join(ARTIFACTS, name);
  writeFileSync(path, text);
  const url = pathToFileURL(path).href;
  const page = await ctx.newPage();
  await page.goto(url);
  return { page, url };
}

const onlyDocument = (watch: Watch, url: string): string[] => watch.requests.filter((r) => r !== url && !r.startsWith('data:'));
const pidCount = (a: Analysis): number => a.namespaces.filter((n) => n.type === 'pid').length;
/** Position of a namespace in the drawing (tree order), which is its data-i. */
const indexOf = (a: Analysis, inode: number): number => pidNamespacesInTreeOrder(a).findIndex((n) => n.inode === inode);

describe.skipIf(missing !== null)(`reports in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the tree offline, opens a namespace on click, and searches PIDs and commands', async () => {
    const a = await wslAnalysis();
    const { ctx, watch } = await openContext();
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
    const { ctx, watch } = await openContext();
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
    const { ctx, watch } = await openContext(false);
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
      const { ctx, watch } = await openContext();
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

    const { ctx, watch } = await openContext();
    const page = await ctx.newPage();
    await page.setContent('<!DOCTYPE html><html><body><div id="out"></div></body></html>');
    await page.addScriptTag({ path: MERMAID_JS });
    const results = await page.evaluate(async (list) => {
      const m = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
      m.initialize({ startOnLoad: false, securityLevel: 'strict' });
      const out: { parsed: boolean | string; svg: string }[] = [];
      for (const [i, text] of list.entries()) {
        try {
          await m.parse(text);
          const { svg } = await m.render(`d${i}`, text);
          out.push({ parsed: true, svg });
        } catch (e) {
          out.push({ parsed: String(e), svg: '' });
        }
      }
      const doc = (globalThis as unknown as { document: MiniDocument }).document;
      const host = doc.getElementById('out');
      if (host) host.innerHTML = out.map((r) => r.svg).join('');
      const live = doc.querySelectorAll('#out img, #out script, #out iframe, #out a, #out [onerror]').length;
      return { out, live };
    }, texts);
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

interface MermaidApi {
  initialize(config: object): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

/** The bit of the DOM the Mermaid test touches inside the page (tsconfig has no DOM lib). */
interface MiniDocument {
  getElementById(id: string): { innerHTML: string } | null;
  querySelectorAll(selector: string): { length: number };
}
