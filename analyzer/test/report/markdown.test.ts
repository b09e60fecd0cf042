// The Markdown report's structure: every namespace appears, the Mermaid diagram has one
// node per PID namespace and one edge per parent edge, and every table row has its
// header's column count, hostile names included.

import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { renderTreeMarkdown } from '../../src/render/markdown-tree.js';
import { renderMermaid, type DiagramNode } from '../../src/render/mermaid.js';
import type { Analysis } from '../../src/model/types.js';
import { gfmCells, gfmTables, mermaidBlocks } from './gfm.js';
import { hostileAnalysis, U1804, U2004, wslAnalysis } from './fixtures.js';

const pidNs = (a: Analysis) => a.namespaces.filter((n) => n.type === 'pid');

function checkTables(md: string): number {
  const tables = gfmTables(md);
  for (const rows of tables) {
    const width = gfmCells(rows[0] as string).length;
    for (const r of rows) expect(gfmCells(r), r).toHaveLength(width);
  }
  return tables.length;
}

function checkMermaid(block: string, a: Analysis): void {
  const nodes = block.split('\n').filter((l) => /^ {2}n\d+\[/.test(l));
  const edges = block.split('\n').filter((l) => /^ {2}n\d+ --> n\d+$/.test(l));
  const ns = pidNs(a);
  expect(nodes).toHaveLength(ns.length);
  expect(edges).toHaveLength(ns.filter((n) => n.parent !== null).length);
  // Labels are one quoted string each, ids generated.
  for (const l of nodes) expect(l).toMatch(/^ {2}n\d+\["[^"\n]*"\]$/);
}

describe('renderTreeMarkdown', () => {
  it('lists every PID namespace, its processes and the PID chain outer/…/inner', async () => {
    const a = await wslAnalysis();
    const md = renderTreeMarkdown(a);
    for (const n of pidNs(a)) expect(md).toContain(`| \` ${n.id} \` |`);
    expect(md).toContain('` 48950/4578/4419 `');
    expect(md).toContain('` 56564/87/32 `');
    expect(md).toMatch(/\| counts \| ` 5 PID namespaces, \d+ other namespaces?, 16 processes ` \|/);
    const [block] = mermaidBlocks(md);
    expect(block).toBeDefined();
    checkMermaid(block as string, a);
    expect(block).toContain('class n3,n5 role_wsl_user_distro');
    expect(checkTables(md)).toBeGreaterThanOrEqual(7); // summary, namespaces, 5 process tables
  });

  it('is deterministic', async () => {
    const a = await wslAnalysis();
    expect(renderTreeMarkdown(a)).toBe(renderTreeMarkdown(structuredClone(a)));
  });

  it('keeps structure with hostile names: tables, mermaid, no live HTML after rendering', async () => {
    const a = await hostileAnalysis();
    const md = renderTreeMarkdown(a);
    checkTables(md);
    const blocks = mermaidBlocks(md);
    expect(blocks).toHaveLength(1);
    checkMermaid(blocks[0] as string, a);
    // A GFM renderer produces no element from the input: only our tags and table markup.
    const rendered = await marked.parse(md, { gfm: true });
    const tags = new Set([...rendered.matchAll(/<([a-z0-9]+)/g)].map((m) => m[1]));
    for (const t of tags)
      expect([
        'h2',
        'h3',
        'h4',
        'table',
        'thead',
        'tbody',
        'tr',
        'th',
        'td',
        'code',
        'br',
        'pre',
        'details',
        'summary',
        'p',
        'ul',
        'li',
      ]).toContain(t);
    expect(rendered).not.toMatch(/<(img|script|a)\b/);
    // Every rendered row has as many cells as its table's header.
    for (const table of rendered.split('<table>').slice(1)) {
      const rows = table.split('</table>')[0]?.match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
      const width = (rows[0]?.match(/<th[ >]/g) ?? []).length;
      for (const r of rows.slice(1)) expect((r.match(/<td[ >]/g) ?? []).length).toBe(width);
    }
  });

  it('folds a namespace with many processes into <details>', async () => {
    const a = await wslAnalysis();
    const ns = pidNs(a).find((n) => n.inode === U2004);
    const template = a.processes.find((p) => p.ns.pid === ns?.id);
    if (!ns || !template) throw new Error('fixture');
    for (let i = 0; i < 25; i += 1) {
      const id = `${90000 + i}@x`;
      a.processes.push({ ...template, id, nspid: [90000 + i, 7000 + i, 5000 + i], parent: null });
      ns.processes.push(id);
    }
    const md = renderTreeMarkdown(a);
    expect(md).toContain(`<details><summary>${ns.processes.length} processes</summary>\n\n| PIDs`);
    checkTables(md);
  });
});

describe('renderMermaid (the building block for diff reports)', () => {
  const node = (key: string, parent: string | null, status: DiagramNode['status']): DiagramNode => ({
    key,
    parent,
    title: key,
    lines: ['label'],
    role: 'unknown',
    status,
    processCount: 1,
  });

  it('marks added, removed and moved nodes with their own classes', () => {
    const text = renderMermaid([node('a', null, 'same'), node('b', 'a', 'added'), node('c', 'a', 'removed'), node('d', 'b', 'moved')]);
    expect(text).toContain('class n2 status_added');
    expect(text).toContain('class n3 status_removed');
    expect(text).toContain('class n4 status_moved');
    expect(text.match(/-->/g)).toHaveLength(3);
  });

  it('summarises nodes past the cap in one note', () => {
    const many = Array.from({ length: 12 }, (_, i) => node(`k${i}`, i === 0 ? null : 'k0', 'same'));
    const text = renderMermaid(many, 10);
    expect(text.match(/^ {2}n\d+\[/gm)).toHaveLength(10);
    expect(text).toContain('more["#8230; 2 more not drawn"]');
  });

  it('never derives an id from a key', () => {
    const text = renderMermaid([node('pid:1"]; click x', null, 'same'), node(`pid:${U1804}`, 'pid:1"]; click x', 'same')]);
    expect(text).toContain('n1 --> n2');
    expect(text).not.toMatch(/^\s*click/m);
  });
});
