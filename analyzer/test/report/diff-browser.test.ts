// The diff reports in a real browser (Debian's Chromium via playwright-core, launched as
// in browser.test.ts): the HTML of the WSL samples gui-on vs gui-off draws offline (no
// request but the document, no console error), marks removed and moved namespaces,
// opens a namespace's before/after on click and searches; it is complete without
// JavaScript and inert with hostile names; and Mermaid's own parser accepts the
// Markdown's diagram. Screenshots go to test-artifacts/ for a human look.
// In CI a missing Chromium fails the suite; elsewhere it skips with the reason.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffAnalyses } from '../../src/diff/index.js';
import type { DiffResult } from '../../src/diff/types.js';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { unionTree, type DiffSides } from '../../src/render/diff-diagram.js';
import { renderDiffMarkdown } from '../../src/render/diff-markdown.js';
import { renderDiffHtml } from '../../src/render/html-diff.js';
import { applyRoles, loadRules } from '../../src/roles/index.js';
import { loadView } from '../../src/source/load.js';
import { world, type NsSpec } from '../diff/world.js';
import { HOSTILE } from './fixtures.js';
import { mermaidBlocks } from './gfm.js';

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
const SAMPLES = resolve('samples/wsl');

const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed`;
if (missing && process.env.CI) throw new Error(`browser tests must run in CI, but ${missing}`);
const noSamples = existsSync(join(SAMPLES, 'gui-on')) && existsSync(join(SAMPLES, 'gui-off')) ? null : 'samples/wsl is missing';
if (noSamples && process.env.CI) throw new Error(`diff browser tests must run in CI, but ${noSamples}`);
const skip = missing ?? noSamples;

interface Watch {
  requests: string[];
  errors: string[];
  dialogs: string[];
}

let browser: Browser;

async function openContext(javaScriptEnabled = true): Promise<{ ctx: BrowserContext; watch: Watch }> {
  const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1400, height: 900 } });
  const watch: Watch = { requests: [], errors: [], dialogs: [] };
  await ctx.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  ctx.on('request', (r) => watch.requests.push(r.url()));
  ctx.on('page', (p) => {
    p.on('console', (m) => {
      if (m.type() === 'error') watch.errors.push(m.text());
    });
    p.on('pageerror', (e) => watch.errors.push(String(e)));
    p.on('dialog', (d) => {
      watch.dialogs.push(d.message());
      void d.dismiss();
    });
  });
  return { ctx, watch };
}

async function openReport(ctx: BrowserContext, name: string, text: string): Promise<{ page: Page; url: string }> {
  const path = join(ARTIFACTS, name);
  writeFileSync(path, text);
  const url = pathToFileURL(path).href;
  const page = await ctx.newPage();
  await page.goto(url);
  return { page, url };
}

const onlyDocument = (watch: Watch, url: string): string[] => watch.requests.filter((r) => r !== url && !r.startsWith('data:'));

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
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws gui-on vs gui-off offline, marks removed and moved, opens a namespace and searches', async () => {
    const { d, sides } = await samples();
    const union = unionTree(d, sides);
    const { ctx, watch } = await openContext();
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
    await page.fill('#dq', 'weston');
    await expect(page.locator('#dqstatus').textContent()).resolves.toMatch(/^\d+ process(es)? in \d+ namespaces?$/);
    await expect(page.locator('svg.tree a.ns.hit.status-removed').count()).resolves.toBeGreaterThan(0);
    // The PID of the moved distro's init in the outermost view finds it (and maybe a namesake in the other boot).
    const initPid = sides.after.processes.find((p) => p.id === u?.after?.init)?.nspid[0];
    await page.fill('#dq', String(initPid));
    const hitBoxes = await page.locator('svg.tree a.ns.hit').evaluateAll((els) => els.map((e) => e.getAttribute('data-i')));
    expect(hitBoxes).toContain(String(i));
    await page.fill('#dq', 'no-such-thing');
    await expect(page.locator('#dqstatus').textContent()).resolves.toBe('no match');
    await page.fill('#dq', 'weston');
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

  it('is complete without JavaScript: drawing, changes, and links from boxes to before/after sections', async () => {
    const { d, sides } = await samples();
    const union = unionTree(d, sides);
    const { ctx, watch } = await openContext(false);
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
    const { ctx, watch } = await openContext();
    const { page, url } = await openReport(ctx, 'diff-hostile.html', renderDiffHtml(d, sides));
    await expect(page.locator('svg.tree a.ns').count()).resolves.toBe(n);
    for (let i = 0; i < n; i += 1) await page.locator(`svg.tree a.ns[data-i="${i}"]`).click();
    await page.fill('#dq', '<img');
    await expect(page.locator('#dqstatus').textContent()).resolves.not.toBe('no match');
    await page.waitForTimeout(200); // give an onerror handler time to fire, if one existed
    await expect(page.locator('img, iframe, object, embed').count()).resolves.toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(3); // data, diff script, tree script
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
