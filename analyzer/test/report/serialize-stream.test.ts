// The streamed JSON and YAML output against the one-string path it replaced:
// `JSON.stringify(value, null, 2) + "\n"` and the yaml package's stringify. Byte for
// byte, on the committed samples, on generated machines, on a diff, and on random data
// with hostile strings and keys; and cut into pieces rather than built as one string.

import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import { loadView } from '../../src/source/load.js';
import { buildAnalysis } from '../../src/model/build.js';
import { applyRoles, loadRules } from '../../src/roles/index.js';
import { diffAnalyses } from '../../src/diff/index.js';
import { generateSynthetic } from '../../../tools/generate/synthetic.js';
import { writeViews } from '../../../tools/generate/write-views.js';
import { serialize, writeSerialized, type DataFormat } from '../../src/render/serialize.js';
import { YAML_OPTIONS } from '../../src/render/yaml-stream.js';
import type { Analysis } from '../../src/model/types.js';

const RUNS = Number(process.env.NSNAP_FUZZ_RUNS ?? 300);

function reference(value: unknown, format: DataFormat): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : yamlStringify(value, YAML_OPTIONS);
}

function pieces(value: unknown, format: DataFormat): string[] {
  const out: string[] = [];
  writeSerialized(value, format, (s) => out.push(s));
  return out;
}

function expectSame(value: unknown): void {
  for (const format of ['json', 'yaml'] as const) {
    const want = reference(value, format);
    const got = pieces(value, format).join('');
    // A plain toBe on megabytes prints both; find the first difference instead.
    if (got !== want) {
      let i = 0;
      while (i < got.length && got[i] === want[i]) i += 1;
      expect(got.slice(Math.max(0, i - 200), i + 200), `${format}: first difference at ${i}`).toBe(
        want.slice(Math.max(0, i - 200), i + 200),
      );
    }
    expect(got.length).toBe(want.length);
  }
}

async function analyse(files: string[]): Promise<Analysis> {
  const views = await Promise.all(files.map((f) => loadView(f)));
  const a = buildAnalysis(views);
  applyRoles(a, views, loadRules([]));
  return a;
}

function samples(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...samples(p));
    else if (name.endsWith('.tar.gz')) out.push(p);
  }
  return out;
}

const temp: string[] = [];
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

describe('streamed JSON and YAML are the old output, byte for byte', () => {
  const files = samples('samples');

  it('finds the samples it compares', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('on the analysis of %s', async (file) => {
    expectSame(await analyse([file]));
  });

  it('on a merge of the WSL views and on a diff of two samples', async () => {
    const wsl = files.filter((f) => f.includes('/gui-on/'));
    expectSame(await analyse(wsl));
    const before = await analyse(files.filter((f) => f.includes('/gui-off/')));
    const after = await analyse(wsl);
    expectSame(diffAnalyses(before, after, { all: false, ignore: [], selfPids: { before: [], after: [] } }));
  });

  it('on generated machines, with nested PID namespaces and several views', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsnap-stream-'));
    temp.push(dir);
    const model = generateSynthetic({ processes: 1500, pidNamespaces: 120, maxDepth: 32, seed: 16, innerViews: 2 });
    const written = await writeViews(model, dir);
    expectSame(await analyse([written[0]?.file as string]));
    expectSame(await analyse(written.map((w) => w.file)));
  });

  it('on random data with hostile strings, keys and numbers', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'ab Z_/.:-#@+,=()"\'\n\t\\é名{}[]&*!|>%?`~0123456789'.split('')), maxLength: 14 }),
      fc.constantFrom(
        'true',
        'False',
        'NULL',
        'null',
        '~',
        'yes',
        '1e3',
        '0x1f',
        '0o7',
        '.inf',
        '-.5',
        '2001-01-01',
        'a: b',
        'a #b',
        ' x',
        'x ',
        'x\n',
        '\n',
        '',
        '- a',
        'k'.repeat(1100),
      ),
      fc.string({ maxLength: 8, unit: 'binary' }),
    );
    const leaf = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(-0));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 5 }),
      object: fc.dictionary(text, tie('tree'), { maxKeys: 5 }),
    }));
    fc.assert(
      // Top-level undefined is left out: the old path gave no string at all for it.
      fc.property(
        fc.oneof(tree, fc.array(tree, { maxLength: 4 }), fc.dictionary(text, tree, { maxKeys: 6 })).filter((v) => v !== undefined),
        (value) => expectSame(value),
      ),
      { numRuns: RUNS },
    );
  });

  it('on values that are not plain data (the yaml package writes those itself)', () => {
    expectSame({ when: new Date(0), nested: { list: [new Map([['a', 1]]), new Set([1])] }, n: 1 });
    expectSame([{ toJSON: () => ({ replaced: true }) }, { 'long key': { ['k'.repeat(1100)]: 1 } }]);
    expectSame('a scalar\nwith two lines');
  });
});

describe('the output comes in pieces', () => {
  it('never as one string of a large model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsnap-stream-'));
    temp.push(dir);
    const written = await writeViews(generateSynthetic({ processes: 3000, pidNamespaces: 50, maxDepth: 8, seed: 7 }), dir);
    const a = await analyse([written[0]?.file as string]);
    for (const format of ['json', 'yaml'] as const) {
      const parts = pieces(a, format);
      const total = parts.reduce((n, p) => n + p.length, 0);
      expect(parts.length, format).toBeGreaterThan(10);
      expect(Math.max(...parts.map((p) => p.length)), format).toBeLessThan(total / 4);
      expect(parts.join('')).toBe(serialize(a, format));
    }
  });
});
