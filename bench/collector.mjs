#!/usr/bin/env node
// Collector benchmark: how long a capture takes with N live sleepers, next to the floor
// (one `cat` of the same files) and a peer (`lsns --output-all`), and how many programs
// the collector starts. Needs root (the sleepers live in a fresh PID namespace made with
// `unshare --pid --fork --mount-proc`, so one SIGKILL removes them all).
//
//   node bench/collector.mjs [--sizes 1000,5000] [--runs 3] [--json] [--compare OLD.sh] [--no-busybox]
//
// Rows: (a) the collector under dash with GNU tools (bulk copy), staging in a folder of
// the disk-backed TMPDIR, (a') the same with its staging folder on tmpfs (/dev/shm),
// which shows what the staging file system costs, (b) under busybox sh with nothing but
// busybox on PATH, staging on disk, (b') the same on tmpfs, (c) the baseline, `xargs
// cat` over status stat cmdline comm cgroup of every PID, (d) `lsns --output-all`, (e)
// lsns with the columns the collector asks for (read from its manifest; the collector's
// target is 1.2x this row, the "x lsns" column), and (e') with the wider list it asked
// for before (PATH, PPID, COMMAND too).
// With --compare OLD.sh, rows (a) to (b') also run OLD.sh (say, the collector of an
// earlier commit: `git show HEAD~3:collector/nsnap-collect.sh > /tmp/old.sh`) on the same
// sleepers, marked "before", taking turns at going first. Each run starts after a `sync`
// (outside the clock). Times are wall-clock medians over --runs; the ratio is to
// (c). The machine's load shows in the cat row: compare ratios, not seconds.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COLLECTOR = join(ROOT, 'collector', 'nsnap-collect.sh');
const SLEEP_ARG = '1000001';
const FILES = ['status', 'stat', 'cmdline', 'comm', 'cgroup'];

function parseArgs(argv) {
  const opts = { sizes: [1000, 5000], runs: 3, json: false, compare: null, busybox: true };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--sizes')
      opts.sizes = String(argv[++i] ?? '')
        .split(',')
        .map(Number);
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--compare') opts.compare = resolve(String(argv[++i] ?? ''));
    else if (a === '--no-busybox') opts.busybox = false;
    else if (a === '--help') {
      process.stdout.write('usage: node bench/collector.mjs [--sizes 1000,5000] [--runs 3] [--json] [--compare OLD.sh] [--no-busybox]\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench/collector.mjs: unknown option '${a}'\nhint: try --help\n`);
      process.exit(2);
    }
  }
  if (opts.sizes.some((n) => !Number.isInteger(n) || n < 0) || !Number.isInteger(opts.runs) || opts.runs < 1) {
    process.stderr.write('bench/collector.mjs: --sizes takes integers, --runs a positive integer\n');
    process.exit(2);
  }
  return opts;
}

function has(tool) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status === 0;
}

function hostTool(tool) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' }).stdout.trim() || tool;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the sleepers --------------------------------------------------------------------

const alive = new Set();
function killAll() {
  for (const child of alive) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

function countSleepers() {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === `sleep\0${SLEEP_ARG}\0`) n += 1;
    } catch {
      // gone
    }
  }
  return n;
}

/** N sleepers in a fresh PID namespace; resolves to a function that removes them all. */
async function startSleepers(n) {
  const script = `i=0; while [ "$i" -lt ${n} ]; do sleep ${SLEEP_ARG} & i=$((i + 1)); done; wait`;
  // --kill-child: SIGKILL to unshare reaches the namespace's init, and the kernel then
  // kills every process of the namespace.
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', script], { stdio: 'ignore' });
  alive.add(child);
  const deadline = Date.now() + 120_000;
  while (countSleepers() < n) {
    if (child.exitCode !== null) throw new Error(`unshare exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the ${n} sleepers did not come up`);
    await sleep(100);
  }
  return async () => {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    alive.delete(child);
    while (countSleepers() > 0) await sleep(50);
  };
}

// --- what is measured ------------------------------------------------------------------

function busyboxDir() {
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-bench-bb-'));
  chmodSync(dir, 0o755);
  const bin = hostTool('busybox');
  const list = spawnSync('busybox', ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of list) symlinkSync(bin, join(dir, applet));
  return dir;
}

/**
 * Wall-clock seconds of one run. lsns exits 1 when a process it was reading ends, which
 * other work on a shared machine makes likely at 5k processes: such a run is repeated
 * (up to `retries` times), not timed.
 */
function timed(argv, opts = {}, retries = 0) {
  for (let attempt = 0; ; attempt += 1) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...opts });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status === 0) return seconds;
    if (attempt >= retries) throw new Error(`${argv.join(' ')} failed (${r.status}): ${String(r.stderr).slice(0, 500)}`);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** PID namespace inits in a snapshot (last NSpid entry 1): each costs the collector a
 * few programs (its os-release copy), so spawn counts are read next to this number. */
function initsIn(tarball) {
  const r = spawnSync('tar', ['-xzOf', tarball, '--wildcards', '*/status'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => /^NSpid:.*\s1\s*$/.test(l)).length : null;
}

/** The collector's own programs, counted with strace (successful execve calls). */
function spawnedBy(argv, env) {
  if (!has('strace')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'nsnap-bench-st-'));
  try {
    const trace = join(dir, 'trace');
    const bpf = spawnSync('strace', ['--seccomp-bpf', '-f', '-qq', '-e', 'trace=execve', '-o', '/dev/null', 'true']).status === 0;
    // strace by absolute path: the busybox run's PATH has busybox only.
    const r = spawnSync(hostTool('strace'), [...(bpf ? ['--seccomp-bpf'] : []), '-f', '-qq', '-e', 'trace=execve', '-o', trace, ...argv], {
      env,
      stdio: 'ignore',
    });
    if (r.status !== 0) return null;
    const pending = new Set();
    let n = 0;
    for (const line of readFileSync(trace, 'utf8').split('\n')) {
      const m = /^(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [, pid, rest] = m;
      if (rest.startsWith('execve(') && rest.endsWith('<unfinished ...>')) pending.add(pid);
      else if ((rest.startsWith('execve(') || (rest.startsWith('<... execve resumed>') && pending.has(pid))) && /= 0$/.test(rest)) n += 1;
    }
    return { spawned: n, inits: initsIn(argv[argv.length - 1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lsns command line a collector run recorded in its manifest, as argv. */
function lsnsCommandOf(tarball) {
  const r = spawnSync('tar', ['-xzOf', tarball, '--wildcards', '*/nsnap.json'], { encoding: 'utf8' });
  const command = r.status === 0 ? JSON.parse(r.stdout).lsns?.command : undefined;
  if (typeof command !== 'string') throw new Error(`${tarball}: the manifest records no lsns command`);
  return command.split(' ');
}

function processCount() {
  return readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).length;
}

async function benchSize(n, runs, bbDir, tmpfs, compare) {
  const stop = await startSleepers(n);
  try {
    const out = mkdtempSync(join(tmpdir(), 'nsnap-bench-out-'));
    const tmp = mkdtempSync(join(tmpdir(), 'nsnap-bench-tmp-'));
    const shmTmp = tmpfs ? mkdtempSync('/dev/shm/nsnap-bench-') : null;
    try {
      const rows = [];
      const collectorRows = (script, tag, spawns) => [
        {
          key: `collector-dash${tag}`,
          label: `(a) collector, dash + GNU${tag ? ', before' : ''}`,
          argv: () => [hostTool('dash'), script, '--quiet', '-o', join(out, 'a.tar.gz')],
          env: { ...process.env, TMPDIR: tmp },
          spawns,
        },
        ...(shmTmp
          ? [
              {
                key: `collector-dash-tmpfs${tag}`,
                label: `(a') collector, dash, tmpfs${tag ? ', before' : ''}`,
                argv: () => [hostTool('dash'), script, '--quiet', '-o', join(out, 'a2.tar.gz')],
                env: { ...process.env, TMPDIR: shmTmp },
                spawns: false,
              },
            ]
          : []),
        ...(bbDir
          ? [
              {
                key: `collector-busybox${tag}`,
                label: `(b) collector, busybox only${tag ? ', before' : ''}`,
                argv: () => [join(bbDir, 'sh'), script, '--quiet', '-o', join(out, 'b.tar.gz')],
                env: { PATH: bbDir, TMPDIR: tmp },
                spawns,
              },
              ...(shmTmp
                ? [
                    {
                      key: `collector-busybox-tmpfs${tag}`,
                      label: `(b') collector, busybox, tmpfs${tag ? ', before' : ''}`,
                      argv: () => [join(bbDir, 'sh'), script, '--quiet', '-o', join(out, 'b2.tar.gz')],
                      env: { PATH: bbDir, TMPDIR: shmTmp },
                      spawns: false,
                    },
                  ]
                : []),
            ]
          : []),
      ];
      const before = compare ? collectorRows(compare, '-before', false) : [];
      const current = collectorRows(COLLECTOR, '', true);
      const others = [
        {
          key: 'cat',
          label: '(c) baseline: xargs cat',
          // The list is made before the clock starts; cat reads what the collector copies.
          prepare: () => {
            const list = readdirSync('/proc')
              .filter((p) => /^[0-9]+$/.test(p))
              .flatMap((p) => FILES.map((f) => `${p}/${f}`));
            writeFileSync(join(out, 'cat.list'), `${list.join('\n')}\n`);
          },
          // cat fails on the files of processes that end meanwhile; that is fine here.
          argv: () => ['sh', '-c', 'xargs cat <"$1" >/dev/null 2>&1; exit 0', 'sh', join(out, 'cat.list')],
          cwd: '/proc',
          env: process.env,
        },
        ...(has('lsns')
          ? [
              { key: 'lsns', label: '(d) lsns --output-all', argv: () => ['lsns', '--output-all'], env: process.env },
              // The command the collector ran, read from its manifest: the peer of the target.
              {
                key: 'lsns-collector',
                label: "(e) lsns, the collector's columns",
                argv: () => lsnsCommandOf(join(out, 'a.tar.gz')),
                env: process.env,
              },
              {
                key: 'lsns-wide',
                label: "(e') lsns, + PATH,PPID,COMMAND",
                argv: () => ['lsns', '-J', '--list', '--output', 'NS,TYPE,PATH,NPROCS,PID,PPID,PNS,ONS,COMMAND'],
                env: process.env,
              },
            ]
          : []),
      ];
      const tools = [...before, ...current, ...others];
      const processes = processCount();
      // Runs go in rounds, one run of every row per round, and with --compare the two
      // scripts take turns at going first; every run starts after a sync. On a disk, the
      // writeback of one run's staging folder otherwise lands on the next run, and a fixed
      // order charged it to whichever script ran second. The lsns row that reads the
      // collector's manifest still comes after the collector within a round.
      const timesOf = new Map(tools.map((t) => [t, []]));
      for (let i = 0; i < runs; i += 1) {
        const order = i % 2 === 1 ? [...current, ...before, ...others] : tools;
        for (const tool of order) {
          tool.prepare?.();
          spawnSync('sync');
          timesOf.get(tool).push(timed(tool.argv(), { env: tool.env, cwd: tool.cwd }, tool.key.startsWith('lsns') ? 5 : 0));
        }
      }
      for (const tool of tools) {
        const times = timesOf.get(tool);
        const counted = tool.spawns ? spawnedBy(tool.argv(), tool.env) : null;
        rows.push({
          sleepers: n,
          processes,
          tool: tool.key,
          label: tool.label,
          runs: times,
          seconds: median(times),
          spawned: counted?.spawned ?? null,
          inits: counted?.inits ?? null,
        });
      }
      const base = rows.find((r) => r.tool === 'cat')?.seconds ?? null;
      const peer = rows.find((r) => r.tool === 'lsns-collector')?.seconds ?? null;
      for (const r of rows) {
        r.ratio = base ? r.seconds / base : null;
        r.lsnsRatio = peer ? r.seconds / peer : null;
      }
      return rows;
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
      if (shmTmp) rmSync(shmTmp, { recursive: true, force: true });
    }
  } finally {
    await stop();
  }
}

function machine() {
  const first = (cmd) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  return {
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    cpus: cpus().length,
    cp: first('cp --version'),
    busybox: first('busybox 2>&1'),
    lsns: first('lsns --version'),
    tmpdir: process.env.TMPDIR || '/tmp',
  };
}

function table(m, rows) {
  const lines = [
    `nsnap collector benchmark: kernel ${m.kernel}, ${m.cpus} CPUs, staging in ${m.tmpdir}`,
    '',
    `${'sleepers'.padStart(8)}  ${'procs'.padStart(6)}  ${'what'.padEnd(40)} ${'seconds'.padStart(8)}  ${'x cat'.padStart(7)}  ${'x lsns'.padStart(7)}  ${'spawned'.padStart(7)}  ${'inits'.padStart(5)}`,
  ];
  for (const r of rows) {
    lines.push(
      `${String(r.sleepers).padStart(8)}  ${String(r.processes).padStart(6)}  ${r.label.padEnd(40)} ${r.seconds.toFixed(3).padStart(8)}  ${(r.ratio === null ? '-' : r.ratio.toFixed(1)).padStart(7)}  ${(r.lsnsRatio === null ? '-' : r.lsnsRatio.toFixed(2)).padStart(7)}  ${(r.spawned === null ? '-' : String(r.spawned)).padStart(7)}  ${(r.inits === null ? '-' : String(r.inits)).padStart(5)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench/collector.mjs: needs root (unshare --pid for the sleepers)\n');
    process.exit(1);
  }
  for (const tool of ['unshare', 'dash']) {
    if (!has(tool)) {
      process.stderr.write(`bench/collector.mjs: needs ${tool}\n`);
      process.exit(1);
    }
  }
  const bbDir = opts.busybox && has('busybox') ? busyboxDir() : null;
  const tmpfs = existsSync('/dev/shm') && spawnSync('sh', ['-c', 'df -P /dev/shm | grep -q tmpfs']).status === 0;
  const rows = [];
  try {
    for (const n of opts.sizes) {
      if (!opts.json) process.stderr.write(`bench: ${n} sleepers…\n`);
      rows.push(...(await benchSize(n, opts.runs, bbDir, tmpfs, opts.compare)));
    }
  } finally {
    if (bbDir) rmSync(bbDir, { recursive: true, force: true });
  }
  const m = machine();
  if (opts.json) process.stdout.write(`${JSON.stringify({ machine: m, runs: opts.runs, results: rows }, null, 2)}\n`);
  else process.stdout.write(table(m, rows));
}

main().catch((e) => {
  killAll();
  process.stderr.write(`bench/collector.mjs: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
