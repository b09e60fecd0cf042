// The Chromium harness the report browser tests share: Debian's chromium driven by
// playwright-core (no browser download), a context that records and refuses every
// request but file:// ones, console errors and dialogs, and an in-page run of Mermaid's
// own parser and renderer. Screenshots and pages go to test-artifacts/ (gitignored).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratchDir } from '../helpers/scratch.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying this machine's closed network.
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
export const ARTIFACTS = resolve('test-artifacts');
const MERMAID_JS = resolve('node_modules/mermaid/dist/mermaid.min.js');

/** Why the browser tests cannot run here, or null. In CI a reason is a failure, not a skip. */
export function chromiumMissing(what: string): string | null {
  const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed`;
  if (missing && process.env.CI) throw new Error(`${what} must run in CI, but ${missing}`);
  return missing;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Chromium leaves org.chromium.Chromium.* folders in TMPDIR; give it one of its own,
  // removed when the test process exits.
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, env: { ...process.env, TMPDIR: scratchDir('nsnap-chromium-') } });
}

/** Everything a page did that a report must not do. */
export interface Watch {
  requests: string[];
  errors: string[];
  dialogs: string[];
}

export async function openContext(browser: Browser, javaScriptEnabled = true): Promise<{ ctx: BrowserContext; watch: Watch }> {
  const ctx = await browser.newContext({ javaScriptEnabled, viewport: { width: 1400, height: 900 } });
  const watch: Watch = { requests: [], errors: [], dialogs: [] };
  // Record every request, then refuse it: a test must never reach the network.
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

/** Writes the page to test-artifacts/ and opens it by file:// URL, as a maintainer would. */
export async function openReport(ctx: BrowserContext, name: string, text: string): Promise<{ page: Page; url: string }> {
  const path = join(ARTIFACTS, name);
  writeFileSync(path, text);
  const url = pathToFileURL(path).href;
  const page = await ctx.newPage();
  await page.goto(url);
  return { page, url };
}

/** Requests other than the document itself and data: URLs. */
export const onlyDocument = (watch: Watch, url: string): string[] => watch.requests.filter((r) => r !== url && !r.startsWith('data:'));

export interface MermaidResults {
  out: { parsed: boolean | string; svg: string }[];
  /** Elements in the rendered SVGs that could run or load something. */
  live: number;
}

/**
 * Runs Mermaid's own parse and render (strict security level) on each diagram in a blank
 * page of `ctx`, puts the SVGs into #out, and counts live elements among them.
 */
export async function renderWithMermaid(ctx: BrowserContext, texts: string[]): Promise<{ page: Page; results: MermaidResults }> {
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
  return { page, results };
}

interface MermaidApi {
  initialize(config: object): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

/** The bit of the DOM the Mermaid run touches inside the page (tsconfig has no DOM lib). */
interface MiniDocument {
  getElementById(id: string): { innerHTML: string } | null;
  querySelectorAll(selector: string): { length: number };
}

/** Runs an expression (JavaScript source, since tsconfig has no DOM lib) in the page and returns its value. */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}
