// `npm run bench`: analyzer speed and memory on synthetic snapshots (bench/out/, made once
// from a fixed seed). Each stage runs in a fresh child process; the baseline is
// `tar -xzOf FILE > /dev/null` on the same file. The sets: 1k, 10k and 100k processes
// written by the snapshot writer, and the 10k boot captured by the collector (--proc),
// with 1,000 PID namespaces nested up to 32 levels. Options: --quick (1k and 10k only),
// --json (machine-readable results on stdout), --runs N (default 3; 1 for 100k).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepare } from './lib/datasets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const asJson = args.includes('--json');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const log = (s) => process.stderr.write(s);

if (!existsSync(join(root, 'tools', 'dist', 'tools', 'generate', 'synthetic.js'))) {
  log("bench: the analyzer is not built\n  hint: run 'npm run build:tools' first\n");
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function timeShell(cmd) {
  const devnull = openSync('/dev/null', 'w');
  const t = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd], { cwd: root, stdio: ['ignore', devnull, 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  closeSync(devnull);
  if (r.status !== 0) throw new Error(`'${cmd}' failed (${r.status}): ${r.stderr}`);
  return seconds;
}

/** GNU time reports a child's peak RSS; without it (Debian package 'time') RSS is '-'. */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Times a shell command; with GNU time also its peak RSS (MB). */
function timeCommand(cmd) {
  if (GNU_TIME === null) return { seconds: timeShell(cmd), maxRssMb: null };
  const rssFile = join(tmpdir(), `nsnap-bench-rss-${process.pid}`);
  const seconds = timeShell(`${GNU_TIME} -o ${q(rssFile)} -f %M sh -c ${q(cmd)}`);
  const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { seconds, maxRssMb: Number.isFinite(kb) ? kb / 1024 : null };
}

function stage(name, files) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=6144', join(root, 'bench', 'lib', 'stage.mjs'), root, name, ...files], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`stage ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function measure(n, fn) {
  const results = [];
  for (let i = 0; i < n; i += 1) results.push(fn());
  return {
    seconds: median(results.map((r) => r.seconds)),
    maxRssMb: results[0].maxRssMb === null ? null : Math.max(...results.map((r) => r.maxRssMb)),
  };
}

const q = (f) => `'${f.replace(/'/g, "'\\''")}'`;
/** The machine's load, printed with the figures: on a shared machine only ratios compare. */
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const loadBefore = load();
const data = await prepare(root, { quick, log });
const rows = [];
const add = (stageName, size, m, baseline, n) =>
  rows.push({ stage: stageName, size, seconds: m.seconds, ratio: baseline ? m.seconds / baseline : null, maxRssMb: m.maxRssMb, runs: n });

for (const set of data.sets) {
  const n = set.processes >= 100_000 ? Math.min(runs, 1) : runs;
  log(`${set.name}: ${(statSync(set.file).size / 1e6).toFixed(1)} MB compressed, ${n} run(s) per stage\n`);
  const base = measure(n, () => ({ seconds: timeShell(`tar -xzOf ${q(set.file)} > /dev/null`), maxRssMb: null }));
  add('tar -xzOf (baseline)', set.name, base, base.seconds, n);
  add(
    'read+validate',
    set.name,
    measure(n, () => stage('load', [set.file])),
    base.seconds,
    n,
  );
  add(
    'reconstruct',
    set.name,
    measure(n, () => stage('build', [set.file])),
    base.seconds,
    n,
  );
  add(
    'roles',
    set.name,
    measure(n, () => stage('roles', [set.file])),
    base.seconds,
    n,
  );
  add(
    'render text+json',
    set.name,
    measure(n, () => stage('render', [set.file])),
    base.seconds,
    n,
  );
  add(
    'cli tree (text)',
    set.name,
    measure(n, () => timeCommand(`./bin/nsnap tree ${q(set.file)} > /dev/null`)),
    base.seconds,
    n,
  );
  add(
    'cli tree --format json',
    set.name,
    measure(n, () => timeCommand(`./bin/nsnap tree --format json ${q(set.file)} > /dev/null`)),
    base.seconds,
    n,
  );
}

const mergeBase = data.merge.reduce((s, f) => s + timeShell(`tar -xzOf ${q(f)} > /dev/null`), 0);
add(
  'merge 4 views (load+build)',
  '10k',
  measure(runs, () => stage('merge', data.merge)),
  mergeBase,
  runs,
);

const notes = [];
if (existsSync(join(root, 'dist', 'diff'))) {
  const diffBase = data.diff.reduce((s, f) => s + timeShell(`tar -xzOf ${q(f)} > /dev/null`), 0);
  try {
    add(
      'diff only (in process, 2 boots)',
      '10k',
      measure(runs, () => stage('diff', data.diff)),
      diffBase,
      runs,
    );
    const m = measure(runs, () => timeCommand(`./bin/nsnap diff ${data.diff.map(q).join(' ')} --format json > /dev/null`));
    add('cli diff --format json (2 boots)', '10k', m, diffBase, runs);
  } catch (e) {
    notes.push(`diff skipped: ${String(e.message).split('\n')[0]}`);
  }
} else {
  notes.push('diff skipped: dist/diff/ does not exist yet (nsnap diff is not built)');
}

// Growth from 10k to 100k processes per stage: linear cost is about 10x, the target <= 11x.
const growth = [];
for (const r of rows) {
  if (r.size !== '100k') continue;
  const small = rows.find((x) => x.stage === r.stage && x.size === '10k');
  if (small) growth.push({ stage: r.stage, from: '10k', to: '100k', factor: r.seconds / small.seconds });
}

const loadAfter = load();
if (asJson) {
  process.stdout.write(
    `${JSON.stringify({ node: process.version, cpus: cpus().length, loadBefore, loadAfter, quick, rows, growth, notes }, null, 2)}\n`,
  );
} else {
  process.stdout.write(`node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore} before, ${loadAfter} after\n\n`);
  const header = ['stage', 'size', 'seconds', 'x tar', 'peak RSS MB', 'runs'];
  const body = rows.map((r) => [
    r.stage,
    r.size,
    r.seconds.toFixed(3),
    r.ratio === null ? '-' : r.ratio.toFixed(2),
    r.maxRssMb === null ? '-' : r.maxRssMb.toFixed(0),
    String(r.runs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const b of body) process.stdout.write(`${line(b)}\n`);
  if (growth.length > 0) {
    process.stdout.write('\ngrowth 10k -> 100k processes (10x the input; linear is ~10x):\n');
    for (const g of growth) process.stdout.write(`  ${g.stage.padEnd(widths[0])}  ${g.factor.toFixed(1)}x\n`);
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
}
