// The per-level collector stays one script a newcomer reads in one sitting (issue 17):
// at most about 1,000 lines. The WSL orchestration (collector/nsnap-wsl.sh) is counted
// apart. That it lists the namespace types once is ns-types.test.ts's check.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SCRIPT = 'collector/nsnap-collect.sh';
const MAX_LINES = 1050;

describe('the per-level collector', () => {
  const text = readFileSync(SCRIPT, 'utf8');

  it(`has at most ${MAX_LINES} lines`, () => {
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    expect(lines).toBeLessThanOrEqual(MAX_LINES);
  });
});
