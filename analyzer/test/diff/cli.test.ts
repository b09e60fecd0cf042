// `nsnap diff` end to end through diffCommand: the WSL samples (gui-on vs gui-off), exit
// codes like diff(1), every format, and hostile process names in Markdown and text.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffCommand, splitSides } from '../../src/cli/commands/diff.js';
import type { DiffResult } from '../../src/diff/types.js';
import { loadScenarioFile } from '../../../tools/generate/scenario.js';
import { writeViews } from '../../../tools/generate/write-views.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { renderDiffMarkdown } from '../../src/render/diff-markdown.js';
import { renderDiffText } from '../../src/render/diff-text.js';
import { PLAIN } from '../../src/render/style.js';
import { diffAnalyses } from '../../src/diff/index.js';
import { diffSchemaErrors } from './schema.js';
import { world } from './world.js';

async function diff(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code: number;
  try {
    code = await diffCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, env: {} });
  } catch (e) {
    // main.ts prints NsnapErrors and returns their exitCode; mirror that.
    const err = e as { exitCode?: number; message: string; hint?: string };
    stderr += err.message + (err.hint ? `\n  hint: ${err.hint}` : '');
    code = err.exitCode ?? 3;
  }
  return { code, stdout, stderr };
}

// The samples are generated from samples/scenarios into a temporary folder, so the test
// does not depend on samples/wsl being regenerated; the committed ones are tested too.
const tmp = mkdtempSync(join(tmpdir(), 'nsnap-diff-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
async function generated(name: string): Promise<string[]> {
  const scenario = loadScenarioFile(join(PROJECT_ROOT, 'samples', 'scenarios', `${name}.yaml`));
  return (await writeViews(scenario.model, join(tmp, name))).map((w) => w.file).sort();
}
const committed = (name: string): string[] => {
  const dir = join(PROJECT_ROOT, 'samples', 'wsl', name);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.tar.gz'))
        .sort()
        .map((f) => join(dir, f))
    : [];
};

function checkGuiOff(d: DiffResult): void {
  const kinds = (k: string) => d.changes.filter((c) => c.kind === k);
  const removed = kinds('namespace-removed').filter((c) => 'type' in c && c.type === 'pid');
  expect(removed).toHaveLength(2);
  for (const c of removed)
    expect('processes' in c && c.processes.map((p) => p.comm)).toEqual(expect.arrayContaining(['WSLGd', 'weston', 'Xwayland']));
  const moved = kinds('namespace-moved');
  expect(moved).toHaveLength(2);
  for (const c of moved)
    expect(c.kind === 'namespace-moved' && [c.depthBefore, c.depthAfter, c.parentAfter]).toEqual([2, 1, 'pid:4026531836']);
  expect(
    kinds('config-changed').some((c) => c.kind === 'config-changed' && c.key === 'guiApplications' && c.from === true && c.to === false),
  ).toBe(true);
  expect(kinds('namespace-added')).toEqual([]);
  expect(diffSchemaErrors(d)).toEqual([]);
}

describe('nsnap diff on the WSL samples', () => {
  it('gui-on → gui-off: system distros gone, user distros moved up, guiApplications off', async () => {
    const on = await generated('gui-on');
    const off = await generated('gui-off');
    const r = await diff('--before', ...on, '--after', ...off, '--format', 'json');
    expect(r.code).toBe(1);
    checkGuiOff(JSON.parse(r.stdout) as DiffResult);
    const text = await diff('--before', ...on, '--after', ...off);
    expect(text.stdout).toMatch(/^nsnap diff: \d+ differences \(different boots: matched by structure\)\nbefore: 4 views/);
    expect(text.stdout).toContain('guiApplications: true → false');
  });

  it.skipIf(committed('gui-on').length === 0 || committed('gui-off').length === 0)(
    'the committed samples/wsl give the same story',
    async () => {
      const r = await diff('--before', ...committed('gui-on'), '--after', ...committed('gui-off'), '--format', 'json');
      expect(r.code).toBe(1);
      checkGuiOff(JSON.parse(r.stdout) as DiffResult);
    },
  );

  it('exits 0 for a snapshot against itself, in every format', async () => {
    const [view] = await generated('gui-off');
    for (const format of ['text', 'json', 'yaml', 'markdown']) {
      const r = await diff(view as string, view as string, '--format', format);
      expect(r.code).toBe(0);
      if (format === 'json') expect((JSON.parse(r.stdout) as DiffResult).changes).toEqual([]);
      if (format === 'yaml') expect((parse(r.stdout) as DiffResult).changes).toEqual([]);
      if (format === 'text') expect(r.stdout).toMatch(/^nsnap diff: no differences \(same boot: matched by inode\)/);
    }
  });

  it('exits 2 for trouble: usage errors, missing or unusable input, views of two boots on one side', async () => {
    const on = await generated('gui-on');
    const off = await generated('gui-off');
    expect((await diff()).code).toBe(2);
    expect((await diff(on[0] as string)).code).toBe(2);
    expect((await diff('--before', on[0] as string)).code).toBe(2);
    expect((await diff('--before', '--after', on[0] as string)).code).toBe(2);
    expect((await diff(on[0] as string, off[0] as string, '--format', 'pdf')).code).toBe(2);
    expect((await diff(on[0] as string, '/nonexistent/x.tar.gz')).code).toBe(2);
    expect((await diff(on[0] as string, off[0] as string, '--bogus')).code).toBe(2);
    const glob = await diff(on[0] as string, off[0] as string, '--ignore', 'init(ub[a-');
    expect(glob.code).toBe(2);
    expect(glob.stderr).toMatch(/^--ignore: '\[' at position 8 of 'init\(ub\[a-' is never closed; write '\\\[' for a literal bracket/);
    const mixed = await diff('--before', on[0] as string, off[0] as string, '--after', off[0] as string);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/different boot ids/);
    expect(mixed.stderr).toMatch(/nothing proves that they come from one kernel/);
  });

  it('splits --before and --after lists', () => {
    expect(splitSides(['--before', 'a', 'b', '--after', 'c', '--format', 'json'])).toEqual({
      rest: ['--format', 'json'],
      before: ['a', 'b'],
      after: ['c'],
    });
    expect(splitSides(['--before=a', '--after=b'])).toEqual({ rest: [], before: ['a'], after: ['b'] });
  });
});

describe('diff renderers and hostile names', () => {
  const hostile = 'evil|name `x` <script>\n\u001b[31mred';
  const before = world([{ name: 'root', parent: null, init: '/init', procs: [] }]);
  const after = world([
    { name: 'root', parent: null, init: '/init', procs: [hostile] },
    { name: 'kid', parent: 'root', init: hostile, procs: ['sleep 1'] },
  ]);
  const d = diffAnalyses(before, after);

  it('keeps Markdown tables intact and code spans closed', () => {
    const md = renderDiffMarkdown(d);
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows.length).toBe(2 + d.changes.length);
    // Every row has exactly four cells: no unescaped pipe split it.
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length - 2).toBe(4);
    expect(md).not.toContain('\u001b');
    // Untrusted text only ever sits inside code spans, where `<` is literal.
    const outside = md.replace(/(`+) [^\n]*? \1/g, '');
    expect(outside).not.toContain('<script>');
    expect(outside).not.toContain('evil');
  });

  it('writes no control characters to a terminal', () => {
    const text = renderDiffText(d, PLAIN);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\\x1b[31mred');
    expect(text).toContain('\\x0a');
  });
});
