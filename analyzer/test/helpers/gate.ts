// Whether a live test can run here: root, real PID namespaces, the tools it needs. A
// suite that cannot run skips with the reason; under CI=true it runs and fails with it.

import { spawnSync } from 'node:child_process';

const reasons = new Map<string, string | null>();

function cached(key: string, probe: () => string | null): string | null {
  if (!reasons.has(key)) reasons.set(key, probe());
  return reasons.get(key) ?? null;
}

/** The reason a tool is missing, or null when `command -v` finds it. */
export function toolMissing(tool: string): string | null {
  return cached(`tool:${tool}`, () => {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' });
    return r.status === 0 ? null : `${tool} is not installed`;
  });
}

/** Why real PID namespaces cannot be built here, or null when they can. */
export function liveSkipReason(): string | null {
  return cached('live', () => {
    if (process.platform !== 'linux') return 'needs Linux';
    if (process.getuid?.() !== 0) return 'needs root (unshare --pid, nsenter, setpriv, mount)';
    const missing = toolMissing('unshare');
    if (missing !== null) return missing;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) return `unshare --pid --fork --mount-proc fails: ${(r.stderr || '').trim()}`;
    return null;
  });
}

export interface Gate {
  /** Skip the suite: something is missing and CI is not set. */
  skip: boolean;
  /** What is missing; under CI=true the suite runs and fails with it. */
  reason: string | null;
}

/**
 * Tests that need root or extra tools run when they can, skip with the reason when they
 * cannot, and under CI must run: there a missing privilege is a failure.
 */
export function gate(...reasonsOrNull: (string | null)[]): Gate {
  const reason = reasonsOrNull.filter((r): r is string => r !== null).join('; ') || null;
  const skip = reason !== null && !underCi();
  // Every skip says why, once per file (vitest shows it with the file's name).
  if (skip) console.warn(`skipped: ${reason} (under CI=true this fails instead)`);
  return { skip, reason };
}

function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/** Call first in a gated suite's beforeAll: under CI a missing privilege fails here. */
export function assertGate(g: Gate): void {
  if (g.reason !== null) throw new Error(`cannot run under CI: ${g.reason}`);
}
