// Process ids and namespace ids are unique in every analysis nsnap makes: over every
// sample (each view alone, each folder merged), the report fixtures, and generated
// machines (the scenarios and synthetic boots with inner views). A process is (root-view
// PID, start time); a namespace is its inode plus its init's start time.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis } from '../../src/model/types.js';
import { loadView } from '../../src/source/load.js';
import { generateSynthetic } from '../../../tools/generate/synthetic.js';
import { loadScenarioFile } from '../../../tools/generate/scenario.js';
import { writeViews } from '../../../tools/generate/write-views.js';
import { hostileAnalysis, wslAnalysis } from '../report/fixtures.js';

function expectUnique(a: Analysis, what: string): void {
  const pids = a.processes.map((p) => p.id);
  expect(new Set(pids).size, `process ids of ${what}`).toBe(pids.length);
  const nss = a.namespaces.map((n) => n.id);
  expect(new Set(nss).size, `namespace ids of ${what}`).toBe(nss.length);
  const known = new Set(pids);
  for (const n of a.namespaces) {
    expect(new Set(n.processes).size, `members of ${n.id} in ${what}`).toBe(n.processes.length);
    for (const id of n.processes) expect(known.has(id), `${id} of ${n.id} in ${what} is a process`).toBe(true);
  }
}

function tarballs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tarballs(join(dir, e.name)) : e.name.endsWith('.tar.gz') ? [join(dir, e.name)] : []))
    .sort();
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

async function analyse(files: string[]): Promise<Analysis> {
  const views = [];
  for (const f of files) views.push(await loadView(f));
  return buildAnalysis(views);
}

describe('unique ids', () => {
  it('in every sample, alone and merged per folder', async () => {
    const files = tarballs('samples');
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) expectUnique(await analyse([f]), f);
    const folders = [...new Set(files.map((f) => dirname(f)))];
    for (const d of folders) expectUnique(await analyse(files.filter((f) => dirname(f) === d)), d);
  });

  it('in the report fixtures', async () => {
    expectUnique(await wslAnalysis(), 'wsl fixture');
    expectUnique(await hostileAnalysis(), 'hostile fixture');
  });

  it('in generated machines: the scenarios, and synthetic boots with inner views', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nsnap-unique-'));
    scratch.push(out);
    const models = readdirSync('samples/scenarios')
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => ({ name: f, model: loadScenarioFile(join('samples/scenarios', f)).model }));
    for (const seed of [1, 2, 3])
      models.push({
        name: `synthetic-${seed}`,
        model: generateSynthetic({ processes: 300, pidNamespaces: 30, maxDepth: 6, seed, innerViews: 3 }),
      });
    for (const { name, model } of models) {
      const written = await writeViews(model, join(out, name));
      expectUnique(await analyse(written.map((w) => w.file)), name);
    }
  });
});
