// A simulated WSL 2 machine built from real nested namespaces (needs root), for the
// whole-machine capture (collector/nsnap-wsl.sh). The layout follows WSL's init
// (docs: /work/shared background §3, §6):
//   - the test machine's root namespaces play the utility VM;
//   - per distro, a child PID+mount+uts+ipc namespace plays the system distro: PID 1 is
//     `/init`, with WSLGd and weston; it holds a grandchild PID+mount+uts namespace, the
//     user distro, whose PID 1 has the comm `init(NAME)` and cmdline `/init`, with
//     plan9, SessionLeader and Relay(N);
//   - /mnt/wsl is one folder shared by every level; /mnt/wslg one per pair;
//   - a fake wsl.exe on the user distro's PATH hands each call to a "WSL service" in
//     the root namespaces (wsl-sim/service.sh), which enters the right level (nsenter).
// Process names are set the way WSL sets them: the comm comes from the name of the file
// executed (a symlink to dash named `init(Ubuntu)`), the cmdline from `exec -a`.
//
// Cleanup: every process of the machine is in one process group (started detached), and
// SIGKILL to the group ends the service and every namespace's init, so the kernel ends
// the rest. Mounts live only in the simulated levels' own mount namespaces.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const HERE = resolve('analyzer/test/helpers/wsl-sim');

export interface SimLevel {
  /** Host PID of the level's init. */
  pid: number;
  /** Its PID namespace inode. */
  inode: number;
}

export interface SimMachine {
  dir: string;
  /** The folder that is /mnt/wsl in every level. */
  share: string;
  /** Folder with the fake wsl.exe, to put first on PATH. */
  bin: string;
  /** The collector scripts, world-readable. */
  collector: string;
  distros: string[];
  user: Map<string, SimLevel>;
  system: Map<string, SimLevel>;
  /** Faults the fake wsl.exe and service obey: "LEVEL hang" or "LEVEL fail" lines. */
  setFaults(lines: string[]): void;
  /** Runs argv inside a distro's user level (PID and mount namespace), as argv[0] sees fit. */
  inUserDistro(distro: string, argv: string[]): string[];
  stop(): void;
}

function hostPidsWithEnv(marker: string, comm: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== comm) continue;
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (env.includes(marker)) out.push(Number(name));
    } catch {
      // Gone, or not ours.
    }
  }
  return out;
}

function inodeOf(pid: number): number {
  const m = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`));
  return Number(m?.[1]);
}

function parentPid(pid: number): number {
  const m = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]);
}

/** The nearest ancestor of `pid` that is PID 1 of its PID namespace. */
function namespaceInitAbove(pid: number): number {
  let cur = parentPid(pid);
  while (cur > 1) {
    const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${cur}/status`, 'utf8'));
    const last = m?.[1]?.trim().split(/\s+/).pop();
    if (last === '1') return cur;
    cur = parentPid(cur);
  }
  throw new Error(`no namespace init above ${pid}`);
}

const HELPERS_SYSTEM = [
  ['WSLGd', '/usr/bin/WSLGd'],
  ['weston', '/usr/bin/weston'],
];
const HELPERS_USER = [
  ['plan9', '/init'],
  ['SessionLeader', '/init'],
  ['Relay(9)', '/init'],
];

function startHelper(sim: string, name: string, argv0: string): string {
  return `bash -c 'exec -a "$0" "$1" <"$2"' '${argv0}' '${sim}/names/${name}' '${sim}/idle.sh' </dev/null >/dev/null 2>&1 &`;
}

function levelScripts(sim: string, distro: string): void {
  const user = [
    `hostname '${distro}' 2>/dev/null`,
    ...HELPERS_USER.map(([n, a]) => startHelper(sim, n as string, a as string)),
    `: >'${sim}/ready-${distro}'`,
    'while :; do wait; sleep 1; done',
  ];
  writeFileSync(join(sim, `user-${distro}.sh`), `${user.join('\n')}\n`);
  const system = [
    // Hide the host's /mnt in this level's own mount namespace, then share as WSL does.
    `mount -t tmpfs nsnap-sim /mnt`,
    'mkdir -p /mnt/wsl /mnt/wslg',
    `mount --bind '${sim}/share' /mnt/wsl`,
    `mount --bind '${sim}/wslg-${distro}' /mnt/wslg`,
    `hostname '${distro}' 2>/dev/null`,
    ...HELPERS_SYSTEM.map(([n, a]) => startHelper(sim, n as string, a as string)),
    `unshare --pid --mount --uts --fork --mount-proc bash -c 'exec -a /init "$0" <"$1"' '${sim}/names/init(${distro})' '${sim}/user-${distro}.sh' </dev/null >/dev/null 2>&1 &`,
    'while :; do wait; sleep 1; done',
  ];
  writeFileSync(join(sim, `system-${distro}.sh`), `${system.join('\n')}\n`);
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`simulated WSL: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startSimMachine(distros: string[]): Promise<SimMachine> {
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-wslsim-'));
  chmodSync(dir, 0o755);
  for (const f of ['wsl.exe', 'service.sh', 'handle.sh', 'idle.sh']) copyFileSync(join(HERE, f), join(dir, f));
  const bin = join(dir, 'bin');
  mkdirSync(bin, { mode: 0o755 });
  copyFileSync(join(HERE, 'wsl.exe'), join(bin, 'wsl.exe'));
  chmodSync(join(bin, 'wsl.exe'), 0o755);
  const svc = join(dir, 'svc');
  mkdirSync(svc);
  chmodSync(svc, 0o1777);
  spawnSync('mkfifo', ['-m', '0666', join(svc, 'ctl')]);
  chmodSync(join(svc, 'ctl'), 0o666);
  const share = join(dir, 'share');
  mkdirSync(share);
  chmodSync(share, 0o1777);
  const names = join(dir, 'names');
  mkdirSync(names, { mode: 0o755 });
  const dash = spawnSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).stdout.trim();
  for (const n of ['init', ...HELPERS_SYSTEM.map((h) => h[0] as string), ...HELPERS_USER.map((h) => h[0] as string)]) {
    symlinkSync(dash, join(names, n));
  }
  for (const d of distros) {
    symlinkSync(dash, join(names, `init(${d})`));
    mkdirSync(join(dir, `wslg-${d}`), { mode: 0o755 });
    levelScripts(dir, d);
  }
  writeFileSync(join(dir, 'running'), `${distros.join('\n')}\n`);
  writeFileSync(join(dir, 'faults'), '');
  const collector = join(dir, 'collector');
  mkdirSync(collector, { mode: 0o755 });
  for (const f of ['nsnap-collect.sh', 'nsnap-wsl.sh']) {
    copyFileSync(resolve('collector', f), join(collector, f));
    chmodSync(join(collector, f), 0o644);
  }
  const marker = `NSNAP_SIM=${dir}`;
  const machine = [
    `sh '${dir}/service.sh' '${dir}' </dev/null >/dev/null 2>&1 &`,
    ...distros.map(
      (d) =>
        `unshare --pid --mount --uts --ipc --fork --mount-proc bash -c 'exec -a /init "$0" <"$1"' '${dir}/names/init' '${dir}/system-${d}.sh' </dev/null >'${dir}/${d}.log' 2>&1 &`,
    ),
    'wait',
  ].join('\n');
  const child: ChildProcess = spawn('sh', ['-c', machine], {
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', NSNAP_SIM: dir },
  });
  const pgid = child.pid as number;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    // Anything that left the group (a collector started by the service) dies with its namespace init.
    spawnSync('sh', ['-c', `sleep 0.3`]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  try {
    await until('every distro to start', () => distros.every((d) => existsSync(join(dir, `ready-${d}`))));
    const user = new Map<string, SimLevel>();
    const system = new Map<string, SimLevel>();
    for (const d of distros) {
      // The init forks (for `sleep 1`, for each helper): a fork keeps the comm until it
      // execs. The init is the one match whose parent is no match.
      const matches = hostPidsWithEnv(marker, `init(${d})`);
      const pids = matches.filter((p) => !matches.includes(parentPid(p)));
      if (pids.length !== 1) throw new Error(`simulated WSL: expected one init(${d}), found ${pids.length}`);
      const u = pids[0] as number;
      const s = namespaceInitAbove(u);
      user.set(d, { pid: u, inode: inodeOf(u) });
      system.set(d, { pid: s, inode: inodeOf(s) });
    }
    return {
      dir,
      share,
      bin,
      collector,
      distros,
      user,
      system,
      setFaults: (lines) => writeFileSync(join(dir, 'faults'), lines.map((l) => `${l}\n`).join('')),
      inUserDistro: (distro, argv) => ['nsenter', '-t', String(user.get(distro)?.pid), '-p', '-m', '-u', '-i', '--wd=/', '--', ...argv],
      stop,
    };
  } catch (e) {
    stop();
    throw e;
  }
}
