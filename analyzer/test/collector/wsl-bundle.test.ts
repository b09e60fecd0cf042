// The whole-machine WSL capture (collector/nsnap-wsl.sh, `nsnap-collect.sh --wsl`) on a
// simulated WSL machine made of real nested namespaces (helpers/wsl-sim.ts): one bundle
// whose tree matches the kernel's answer (lsns PNS) at every captured level, with WSL's
// roles and distro names; the debug-shell step; and the faults (a hung or failing
// wsl.exe, Ctrl-C, no wsl.exe, an unwritable /mnt/wsl), each with one clear message,
// nothing left in /mnt/wsl and the other levels kept. Needs root; skips outside CI.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/run-cli.js';
import { AS_NOBODY, NOBODY, nsnapOnNobodysRead, privateDir, removeScratch } from '../helpers/collector-run.js';
import { assertGate, gate, liveSkipReason, toolMissing } from '../helpers/gate.js';
import { startSimMachine, type SimMachine } from '../helpers/wsl-sim.js';

const g = gate(liveSkipReason(), toolMissing('nsenter'), toolMissing('iconv'), toolMissing('lsns'), toolMissing('setpriv'));
if (g.skip) console.log(`skipping the simulated WSL machine tests: ${g.reason}`);

const DISTROS = ['Ubuntu', 'Debian'];

interface Run {
  status: number | null;
  stderr: string;
}

/** The kernel's parent of each PID namespace (lsns PNS), by inode. */
function kernelParents(): Map<number, number> {
  const r = spawnSync('lsns', ['-t', 'pid', '-n', '-r', '-o', 'NS,PNS'], { encoding: 'utf8' });
  const out = new Map<number, number>();
  for (const line of r.stdout.split('\n')) {
    const [ns, pns] = line.trim().split(/\s+/);
    if (ns && pns) out.set(Number(ns), Number(pns));
  }
  return out;
}

interface Node {
  id: string;
  parent: string | null;
  role?: string | null;
  label?: string | null;
}

async function treeJson(file: string): Promise<{ namespaces: Node[]; config: { distros: { name: string; namespace: string | null }[] } }> {
  const r = await cli('tree', '--format', 'json', '--type', 'pid', file);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as never;
}

function leftInShare(sim: SimMachine): string[] {
  return readdirSync(sim.share);
}

function bundleManifest(file: string): { levels: { name: string; status: string; reason?: string; kind: string }[] } {
  const r = spawnSync('tar', ['-xzOf', file, '--wildcards', '*/nsnap-bundle.json'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as never;
}

describe.skipIf(g.skip)('nsnap-collect.sh --wsl on a simulated WSL machine', () => {
  let sim: SimMachine;
  beforeAll(async () => {
    assertGate(g);
    sim = await startSimMachine(DISTROS);
  }, 60_000);
  afterAll(() => {
    sim?.stop();
    removeScratch();
  });

  /** Runs the capture in Ubuntu's user level as `user` (argv prefix), with the fake wsl.exe on PATH. */
  function orchestrate(
    args: string[],
    opts: { prefix?: string[]; path?: string; env?: Record<string, string>; shell?: string } = {},
  ): string[] {
    const env = [
      `PATH=${opts.path ?? `${sim.bin}:/usr/sbin:/usr/bin:/sbin:/bin`}`,
      ...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    return sim.inUserDistro('Ubuntu', [
      ...(opts.prefix ?? []),
      'env',
      '-i',
      ...env,
      // Through the collector's --wsl (its `sh` runs nsnap-wsl.sh), or nsnap-wsl.sh itself under a given shell.
      ...(opts.shell === undefined
        ? ['dash', join(sim.collector, 'nsnap-collect.sh'), '--wsl']
        : [...opts.shell.split(' '), join(sim.collector, 'nsnap-wsl.sh')]),
      ...args,
    ]);
  }

  function runSync(argv: string[], timeoutMs = 170_000): Run {
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, stderr: r.stderr };
  }

  it('captures every level into one bundle that matches the kernel, with the debug-shell step', async () => {
    const out = privateDir('wslout', NOBODY);
    const file = join(out, 'machine.tar.gz');
    // As the normal user (no sudo): nobody here. --wait: not on a terminal, wait anyway.
    const argv = orchestrate(['-o', file, '--wait', '--wait-timeout', '60'], { prefix: AS_NOBODY });
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let pasted = false;
    const done = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
      const line = /^sh \/mnt\/wsl\/\S+\/nsnap-collect\.sh .*$/m.exec(stderr)?.[0];
      if (line && !pasted) {
        pasted = true;
        // The debug shell: the VM's root PID namespace, with /mnt/wsl shared.
        const shell = `mount -t tmpfs nsnap-sim /mnt && mkdir /mnt/wsl && mount --bind '${sim.share}' /mnt/wsl && ${line}`;
        spawn('unshare', ['--mount', 'sh', '-c', shell], { stdio: 'ignore' });
      }
    });
    const code = await done;
    expect(code, stderr).toBe(0);
    expect(pasted).toBe(true);
    expect(statSync(file).uid).toBe(NOBODY);
    expect(leftInShare(sim)).toEqual([]);

    const manifest = bundleManifest(file);
    expect(manifest.levels.map((l) => `${l.name}:${l.kind}:${l.status}`)).toEqual([
      'Ubuntu:wsl-user:captured',
      'Ubuntu-system:wsl-system:captured',
      'Debian:wsl-user:captured',
      'Debian-system:wsl-system:captured',
      'debug-shell:wsl-root:captured',
    ]);

    const tree = await treeJson(file);
    const byId = new Map(tree.namespaces.map((n) => [n.id, n]));
    const kernel = kernelParents();
    for (const d of DISTROS) {
      const u = sim.user.get(d);
      const s = sim.system.get(d);
      if (!u || !s) throw new Error('level missing');
      for (const level of [u, s]) {
        const node = byId.get(`pid:${level.inode}`);
        expect(node, `pid:${level.inode}`).toBeDefined();
        expect(node?.parent).toBe(`pid:${kernel.get(level.inode)}`);
      }
      expect(byId.get(`pid:${s.inode}`)?.role).toBe('wsl-system-distro');
      expect(byId.get(`pid:${s.inode}`)?.label).toContain(d);
      expect(byId.get(`pid:${u.inode}`)?.role).toBe('wsl-user-distro');
      expect(byId.get(`pid:${u.inode}`)?.label).toContain(d);
      expect(tree.config.distros.find((x) => x.namespace === `pid:${u.inode}`)?.name).toBe(d);
    }
  }, 180_000);

  it('under sudo the bundle belongs to the invoking user, who can read it; a missing debug shell is reported', () => {
    const out = privateDir('wslsudo', NOBODY);
    const file = join(out, 'sudo.tar.gz');
    const r = runSync(
      orchestrate(['-o', file, '--no-wait'], { env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) }, shell: 'bash' }),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(file).uid).toBe(NOBODY);
    expect(statSync(file).gid).toBe(NOBODY);
    expect(leftInShare(sim)).toEqual([]);
    const level = bundleManifest(file).levels.find((l) => l.name === 'debug-shell');
    expect(level?.status).toBe('missing');
    // The README's next step, as that user.
    const tree = nsnapOnNobodysRead('tree', file);
    expect(tree.status, tree.stderr).toBe(0);
    expect(tree.stderr).toMatch(/level 'debug-shell' was not captured/);
  }, 180_000);

  it('keeps the other levels when one wsl.exe call hangs and another fails', () => {
    const out = privateDir('wslfault', NOBODY);
    const file = join(out, 'fault.tar.gz');
    sim.setFaults(['Ubuntu-system hang', 'Debian fail']);
    try {
      const r = runSync(orchestrate(['-o', file, '--no-wait', '--call-timeout', '15'], { prefix: AS_NOBODY, shell: 'busybox sh' }));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/level Ubuntu-system: 'wsl.exe --system -d Ubuntu' did not finish within 15 s/);
      expect(r.stderr).toMatch(/level Debian: 'wsl.exe -d Debian' failed with status 1: Wsl\/Service/);
      const levels = bundleManifest(file).levels;
      expect(levels.map((l) => `${l.name}:${l.status}`)).toEqual([
        'Ubuntu:captured',
        'Ubuntu-system:failed',
        'Debian:failed',
        'Debian-system:captured',
        'debug-shell:missing',
      ]);
    } finally {
      sim.setFaults([]);
    }
    expect(leftInShare(sim)).toEqual([]);
  }, 180_000);

  it('Ctrl-C mid-capture stops, says so, and leaves nothing', async () => {
    const out = privateDir('wslint', NOBODY);
    const file = join(out, 'int.tar.gz');
    sim.setFaults(['Ubuntu-system hang']);
    try {
      const argv = orchestrate(['-o', file, '--no-wait', '--call-timeout', '60'], { prefix: AS_NOBODY, env: { NSNAP_SIM_RUN: 'int' } });
      const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
      const done = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      const end = Date.now() + 60_000;
      while (!/capturing Ubuntu-system/.test(stderr) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      // The shell running nsnap-wsl.sh, as Ctrl-C in its terminal would reach it.
      const pid = readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .find((n) => {
          try {
            return (
              readFileSync(`/proc/${n}/cmdline`, 'utf8').includes('nsnap-wsl.sh') &&
              readFileSync(`/proc/${n}/environ`, 'latin1').split('\0').includes('NSNAP_SIM_RUN=int')
            );
          } catch {
            return false;
          }
        });
      expect(pid).toBeDefined();
      process.kill(Number(pid), 'SIGINT');
      const code = await done;
      expect(code).toBe(130);
      expect(stderr).toMatch(/interrupted; nothing was written, and the staging folder in \/mnt\/wsl is removed/);
      expect(existsSync(file)).toBe(false);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      sim.setFaults([]);
    }
    expect(leftInShare(sim)).toEqual([]);
  }, 120_000);

  it('without wsl.exe it names the cause in one sentence', () => {
    const out = privateDir('wslnoexe', NOBODY);
    const r = runSync(orchestrate(['-o', join(out, 'x.tar.gz')], { prefix: AS_NOBODY, path: '/usr/sbin:/usr/bin:/sbin:/bin' }));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/wsl\.exe is not on PATH: this is not a WSL 2 distro, or Windows interop is off/);
    expect(readdirSync(out)).toEqual([]);
    expect(leftInShare(sim)).toEqual([]);
  });

  it('with /mnt/wsl not writable it says so and writes nothing', () => {
    const out = privateDir('wslro', NOBODY);
    chmodSync(sim.share, 0o755);
    try {
      const r = runSync(orchestrate(['-o', join(out, 'x.tar.gz')], { prefix: AS_NOBODY }));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/cannot create a staging folder in \/mnt\/wsl \(is it writable\?/);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      chmodSync(sim.share, 0o1777);
    }
    expect(leftInShare(sim)).toEqual([]);
  });
});
