// The sentence every command prints for a level a bundle lists but does not hold, so a
// tree drawn from an incomplete bundle never passes for the whole machine.

import type { BundleLevel } from '../snapshot/bundle-manifest.js';
import { termSafe } from '../render/escape.js';

export function absentLevelNote(input: string, level: BundleLevel): string {
  const what = level.status === 'missing' ? 'was not captured' : 'failed';
  const how = level.how ? `; to add it: ${level.how}` : '';
  return termSafe(`nsnap: note: ${input}: level '${level.name}' ${what}: ${level.reason ?? 'no reason recorded'}${how}`);
}
