// The analyzer's modules import one way (docs/architecture.md): no file may reach itself
// again through its imports, type-only imports included, since a circle of types is
// usually a type living in the wrong file.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = 'analyzer/src';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts'))));
}

/** Every circle of imports, each once, as a list of files starting at its smallest name. */
function circles(graph: Map<string, string[]>): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') {
        const cycle = stack.slice(stack.indexOf(m));
        const start = cycle.indexOf([...cycle].sort()[0] as string);
        const key = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(key.join(' -> '), key);
      } else if (!state.has(m) && graph.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return [...found.values()];
}

describe('analyzer imports', () => {
  const graph = new Map(sources(ROOT).map((f) => [f, importsOf(f)]));

  it('finds the files and their imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join(ROOT, 'cli/main.ts'))).toContain(join(ROOT, 'errors.ts'));
  });

  it('form no circle', () => {
    const rel = circles(graph).map((c) => c.map((f) => relative(ROOT, f)).join(' -> '));
    expect(rel).toEqual([]);
  });

  it('would report a circle', () => {
    const fake = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(circles(fake)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
