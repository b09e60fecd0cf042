// `npm run samples`: regenerates samples/<output>/ from every samples/scenarios/*.yaml and
// checks each snapshot with the analyzer's own loader. Deterministic: a re-run gives
// byte-identical files. The only entry point of this folder that touches the console.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../analyzer/src/paths.js';
import { loadView } from '../../analyzer/src/source/load.js';
import { loadScenarioFile } from './scenario.js';
import { writeViews } from './write-views.js';

export async function regenerateSamples(root: string = PROJECT_ROOT, log: (s: string) => void = () => undefined): Promise<string[]> {
  const dir = join(root, 'samples', 'scenarios');
  const failures: string[] = [];
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort();
  for (const name of files) {
    const scenario = loadScenarioFile(join(dir, name));
    const out = join(root, 'samples', scenario.output);
    const expected = new Set(scenario.model.views.map((v) => `${v.name}.tar.gz`));
    mkdirSync(out, { recursive: true });
    for (const old of readdirSync(out, { withFileTypes: true }).filter((e) => e.isFile())) {
      if (old.name.endsWith('.tar.gz') && !expected.has(old.name)) rmSync(join(out, old.name));
    }
    const written = await writeViews(scenario.model, out);
    for (const w of written) {
      const view = await loadView(w.file);
      for (const p of view.problems) failures.push(`${w.file}: ${p.path}: ${p.message}`);
      log(
        `${w.file.slice(root.length + 1)}: ${w.processes} processes${view.problems.length > 0 ? `, ${view.problems.length} problems` : ''}\n`,
      );
    }
  }
  return failures;
}

async function main(): Promise<void> {
  const failures = await regenerateSamples(PROJECT_ROOT, (s) => process.stdout.write(s));
  if (failures.length > 0) {
    for (const f of failures.slice(0, 20)) process.stderr.write(`samples: ${f}\n`);
    process.exitCode = 1;
  }
}

await main();
