// Writes every view of a boot model as <name>.tar.gz into one folder.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSnapshot, type WriteOptions } from '../../analyzer/src/snapshot/writer.js';
import { checkModel, indexModel, type BootModel } from './boot-model.js';
import { renderView } from './view-render.js';

export interface WrittenView {
  name: string;
  file: string;
  processes: number;
}

export async function writeViews(model: BootModel, outDir: string, options: WriteOptions = {}): Promise<WrittenView[]> {
  const index = indexModel(model);
  checkModel(model, index);
  mkdirSync(outDir, { recursive: true });
  const out: WrittenView[] = [];
  for (const view of model.views) {
    const file = join(outDir, `${view.name}.tar.gz`);
    const rendered = renderView(model, view, index);
    await writeSnapshot(file, rendered.spec, options);
    out.push({ name: view.name, file, processes: rendered.processes });
  }
  return out;
}
