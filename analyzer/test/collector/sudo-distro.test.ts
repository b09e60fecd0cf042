// What `sudo` takes away, and how the collector makes up for it: the file goes to the user
// who ran sudo (SUDO_UID/SUDO_GID), who can then read it with nsnap; the distro name
// comes from the comm WSL gives the distro's init, `init(NAME)`, and a name the kernel cut
// at 15 bytes is recorded as cut, never used as the name. Real namespaces; needs root.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadView } from '../../src/source/load.js';
import { COLLECTOR, NOBODY, nsnapOnNobodysRead, privateDir, removeScratch } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';

const g = gate(liveSkipReason(), toolMissing('setpriv'));
if (g.skip) console.log(`skipping the sudo and distro-name tests: ${g.reason}`);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  removeScratch();
});

/** Runs the collector as the child of a PID 1 whose comm is `name` (cut by the kernel at 15 bytes). */
function captureUnder(name: string, out: string, env: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-init-'));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  const dash = spawnSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(dash, join(dir, name));
  // `; :` keeps dash from exec'ing the collector in place of the named PID 1.
  const r = spawnSync(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      'bash',
      '-c',
      'exec -a /init "$0" -c "$1"',
      join(dir, name),
      `dash ${COLLECTOR} --quiet -o ${out}; :`,
    ],
    { encoding: 'utf8', env, timeout: 60_000 },
  );
  return { status: r.status, stderr: r.stderr };
}

const BASE_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe.skipIf(g.skip)('under sudo, and without WSL_DISTRO_NAME', () => {
  beforeAll(() => assertGate(g));

  it('gives the snapshot to SUDO_UID:SUDO_GID, and that user can read it with nsnap', () => {
    const out = join(privateDir('sudo', NOBODY), 'snap.tar.gz');
    const r = captureUnder('init(Ubuntu)', out, { ...BASE_ENV, SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) });
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(out).uid).toBe(NOBODY);
    expect(statSync(out).gid).toBe(NOBODY);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const tree = nsnapOnNobodysRead('tree', out);
    expect(tree.status, tree.stderr).toBe(0);
  });

  it('names the distro from init(NAME) and records where the name came from', async () => {
    const out = join(privateDir('distro'), 'snap.tar.gz');
    const r = captureUnder('init(Ubuntu)', out, BASE_ENV);
    expect(r.status, r.stderr).toBe(0);
    const view = await loadView(out);
    expect(view.manifest?.wsl?.distro).toEqual({ name: 'Ubuntu', from: "comm 'init(Ubuntu)' of PID 1", cut: false });
    expect(view.label).toBe('Ubuntu');
  });

  it('records a name the kernel cut at 15 bytes as cut, and falls back for the label', async () => {
    const out = join(privateDir('cut'), 'snap.tar.gz');
    const r = captureUnder('init(docker-desktop-data)', out, BASE_ENV);
    expect(r.status, r.stderr).toBe(0);
    const view = await loadView(out);
    expect(view.manifest?.wsl?.distro).toEqual({ name: 'docker-des', from: "comm 'init(docker-des' of PID 1", cut: true });
    expect(view.label).not.toBe('docker-des');
  });

  it('--distro overrides both', async () => {
    const out = join(privateDir('override'), 'snap.tar.gz');
    const r = spawnSync('dash', [COLLECTOR, '--quiet', '--distro', 'Ubuntu-22.04', '-o', out], {
      encoding: 'utf8',
      env: { ...BASE_ENV, WSL_DISTRO_NAME: 'Other' },
    });
    expect(r.status, r.stderr).toBe(0);
    const view = await loadView(out);
    expect(view.manifest?.wsl?.distro).toEqual({ name: 'Ubuntu-22.04', from: 'option --distro', cut: false });
  });
});
