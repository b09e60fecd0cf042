// Where the shipped, non-code files live, relative to the compiled module. Works from
// dist/ (compiled) and from analyzer/src/ (vitest), since both sit two levels below the root.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findRoot(): string {
  let dir = here;
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(join(dir, 'schemas', 'manifest.schema.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return resolve(here, '..', '..');
}

export const PROJECT_ROOT = findRoot();

export function schemaPath(name: string): string {
  return join(PROJECT_ROOT, 'schemas', name);
}

export function collectorPath(): string {
  return join(PROJECT_ROOT, 'collector', 'nsnap-collect.sh');
}
