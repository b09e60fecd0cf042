// Static checks of the DOT graph and the HTML page, without a browser: one DOT node per
// PID namespace and one edge per parent edge; the HTML's CSP comes first, nothing is
// loaded from anywhere, and the embedded JSON survives hostile names.

import { describe, expect, it } from 'vitest';
import { renderTreeDot } from '../../src/render/dot.js';
import { CSP } from '../../src/render/html-page.js';
import { wrapLines } from '../../src/render/html-svg.js';
import { renderTreeHtml } from '../../src/render/html-tree.js';
import { renderDiffHtml } from '../../src/render/html-diff.js';
import { INDENT_CAP } from '../../src/render/process-rows.js';
import { diffAnalyses } from '../../src/diff/index.js';
import { world } from '../diff/world.js';
import type { Analysis } from '../../src/model/types.js';
import { hostileAnalysis, wslAnalysis } from './fixtures.js';

const pidNs = (a: Analysis) => a.namespaces.filter((n) => n.type === 'pid');

describe('renderTreeDot', () => {
  it('has one node per PID namespace and one edge per parent edge, ids generated', async () => {
    for (const a of [await wslAnalysis(), await hostileAnalysis()]) {
      const dot = renderTreeDot(a);
      const lines = dot.split('\n');
      expect(lines[0]).toBe('digraph "nsnap PID namespaces" {');
      expect(lines.filter((l) => /^ {2}n\d+ \[label="/.test(l))).toHaveLength(pidNs(a).length);
      expect(lines.filter((l) => /^ {2}n\d+ -> n\d+;$/.test(l))).toHaveLength(pidNs(a).filter((n) => n.parent !== null).length);
      // Every statement stays on its line: quoted strings are closed where they open.
      for (const l of lines.slice(1, -2)) expect(l.replace(/"(?:[^"\\]|\\.)*"/g, '""')).not.toContain('"""');
      expect(dot.endsWith('}\n')).toBe(true);
    }
  });
});

describe('renderTreeHtml', () => {
  it('puts the CSP first in <head> and references nothing outside the file', async () => {
    const page = renderTreeHtml(await hostileAnalysis());
    const head = page.slice(page.indexOf('<head>'), page.indexOf('</head>'));
    expect(head.indexOf(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`)).toBeGreaterThan(0);
    expect(head.indexOf('Content-Security-Policy')).toBeLessThan(head.indexOf('<style>'));
    expect(page).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet|@import|url\(/i);
    // The only URLs are XML namespaces and the empty data: icon.
    const urls = [...page.matchAll(/(?:href|src)="([^"#][^"]*)"/g)].map((m) => m[1]);
    expect([...new Set(urls)]).toEqual(['data:,']);
  });

  it('embeds JSON that parses back to the same names, and has exactly our two scripts', async () => {
    const a = await hostileAnalysis();
    const page = renderTreeHtml(a);
    expect(page.match(/<script/g)).toHaveLength(2);
    const json = /<script type="application\/json" id="nsnap-data">([^<]*)<\/script>/.exec(page)?.[1];
    expect(json).toBeDefined();
    const data = JSON.parse(json as string) as { items: { title: string; tables: { rows: { comm: string }[] }[] }[] };
    expect(data.items.map((n) => n.title).sort()).toEqual(
      pidNs(a)
        .map((n) => n.id)
        .sort(),
    );
    expect(data.items.flatMap((n) => n.tables.flatMap((t) => t.rows.map((r) => r.comm)))).toContain('<img src=x onerror=alert(1)>');
  });

  it('is deterministic and draws one box per PID namespace', async () => {
    const a = await wslAnalysis();
    const page = renderTreeHtml(a);
    expect(renderTreeHtml(structuredClone(a))).toBe(page);
    expect(page.match(/<a href="#ns-\d+" class="ns /g)).toHaveLength(pidNs(a).length);
  });
});

describe('wrapLines (box labels in the HTML drawing)', () => {
  it('wraps at spaces, ends a label that does not fit in …, and never cuts inside a number', () => {
    expect(wrapLines('system distro (WSLg) paired with Ubuntu-20.04: contains WSLGd, weston, Xwayland', 31, 3)).toEqual([
      'system distro (WSLg) paired',
      'with Ubuntu-20.04: contains',
      'WSLGd, weston, Xwayland',
    ]);
    expect(wrapLines('one two three four five six seven', 9, 2)).toEqual(['one two', 'three…']);
    // A word longer than a line is cut, before its digits rather than inside them.
    expect(wrapLines(`${'x'.repeat(25)}:4026532257`, 31, 3)).toEqual([`${'x'.repeat(25)}:`, '4026532257']);
    expect(wrapLines('', 31, 3)).toEqual([]);
    expect(wrapLines('x'.repeat(70), 31, 2)).toEqual(['x'.repeat(31), `${'x'.repeat(30)}…`]);
  });
});

describe('process tables', () => {
  // One PPid chain 40 deep: past INDENT_CAP, so indentation stops and rows say their level.
  const deep = (): Analysis => {
    const cmds = Array.from({ length: 39 }, (_, i) => `sleep ${i + 1}`);
    const a = world([{ name: 'root', parent: null, init: '/sbin/init', procs: cmds }]);
    const ns = a.namespaces.find((n) => n.type === 'pid') as Analysis['namespaces'][number];
    const members = ns.processes.map((id) => a.processes.find((p) => p.id === id) as Analysis['processes'][number]);
    members.forEach((p, i) => {
      p.parent = i === 0 ? null : (members[i - 1] as Analysis['processes'][number]).id;
    });
    return a;
  };
  const tables = (page: string): string[] =>
    [...page.matchAll(/<table class="procs">[\s\S]*?<\/table>/g)].map((m) => (m[0] as string).replace(/ id="p-[^"]*"/g, ''));

  it('are the same table, indent cap included, on the tree page and on both sides of the diff page', () => {
    const a = deep();
    const tree = tables(renderTreeHtml(a));
    const diff = tables(renderDiffHtml(diffAnalyses(a, a), { before: a, after: a }));
    expect(tree).toHaveLength(1);
    expect(diff).toEqual([tree[0], tree[0]]);
    const table = tree[0] as string;
    expect(table).toContain(`padding-left:${INDENT_CAP * 1.1}em">[level 39] `);
    expect(table).not.toContain(`padding-left:${(INDENT_CAP + 1) * 1.1}em`);
  });
});
