// Synthetic snapshots for the analyzer benchmark, written into bench/out/ once and reused.
// Deterministic from the seed, so every machine benchmarks the same bytes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SEED = 20261129;

/** size name -> options; 'views' lists the snapshot files the stage uses. */
export const DATASETS = [
  { name: '1k', processes: 1_000, pidNamespaces: 10, maxDepth: 32, quick: true },
  { name: '10k', processes: 10_000, pidNamespaces: 1_000, maxDepth: 32, quick: true },
  { name: '100k', processes: 100_000, pidNamespaces: 10_000, maxDepth: 32, quick: false },
];

async function lib(root) {
  const gen = await import(join(root, 'tools', 'dist', 'tools', 'generate', 'synthetic.js'));
  const wv = await import(join(root, 'tools', 'dist', 'tools', 'generate', 'write-views.js'));
  return { generateSynthetic: gen.generateSynthetic, writeViews: wv.writeViews };
}

/** Writes a boot's views into dir unless they already exist; returns the file paths. */
async function ensure(root, dir, options, log) {
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    const { generateSynthetic, writeViews } = await lib(root);
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    const t = Date.now();
    const model = generateSynthetic(options);
    const written = await writeViews(model, tmp);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(tmp, '.complete'), `${JSON.stringify(options)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    log(`generated ${dir} (${written.length} views) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  return dir;
}

/**
 * The 10k boot as the collector writes it: the synthetic snapshot's proc/ folder is a
 * /proc-like tree, so the collector captures it with --proc (one cp per process, GNU
 * tar and gzip), as the held-out 10k machine of issue 16 was made. 1,000 PID
 * namespaces, nested up to the kernel's 32 levels.
 */
function ensureCollected(root, source, dir, log) {
  const marker = join(dir, '.complete');
  const file = join(dir, 'root.tar.gz');
  if (existsSync(marker)) return file;
  const t = Date.now();
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tree = mkdtempSync(join(tmp, 'tree-'));
  try {
    const untar = spawnSync('tar', ['-xzf', source, '-C', tree]);
    if (untar.status !== 0) throw new Error(`tar -xzf ${source} failed: ${untar.stderr}`);
    const top = readdirSync(tree)[0];
    const run = spawnSync(
      'sh',
      [join(root, 'collector', 'nsnap-collect.sh'), '--quiet', '--proc', join(tree, top, 'proc'), '-o', join(tmp, 'root.tar.gz')],
      {
        encoding: 'utf8',
      },
    );
    if (run.status !== 0) throw new Error(`the collector failed on the --proc tree (${run.status}): ${run.stderr}`);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
  writeFileSync(join(tmp, '.complete'), `collector --proc of ${source}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`generated ${dir} (collector --proc) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return file;
}

export async function prepare(root, { quick, log }) {
  const out = join(root, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  const sets = [];
  for (const d of DATASETS) {
    if (quick && !d.quick) continue;
    const base = { processes: d.processes, pidNamespaces: d.pidNamespaces, maxDepth: d.maxDepth, seed: SEED };
    const dir = await ensure(root, join(out, `${d.name}-boot0`), base, log);
    sets.push({ ...d, file: join(dir, 'root.tar.gz') });
    if (d.name === '10k') {
      const file = ensureCollected(root, join(dir, 'root.tar.gz'), join(out, '10k-collector'), log);
      sets.push({ ...d, name: '10k-collector', file });
    }
  }
  // Merge: 4 views (root + 3 inner) of one 10k boot; diff: the 10k boot after a reboot.
  const tenK = DATASETS[1];
  const shape = { processes: tenK.processes, pidNamespaces: tenK.pidNamespaces, maxDepth: tenK.maxDepth, seed: SEED };
  const mergeDir = await ensure(root, join(out, '10k-4views'), { ...shape, innerViews: 3 }, log);
  const rebootDir = await ensure(root, join(out, '10k-boot1'), { ...shape, boot: 1 }, log);
  return {
    sets,
    merge: ['root', 'inner-1', 'inner-2', 'inner-3'].map((n) => join(mergeDir, `${n}.tar.gz`)),
    diff: [join(out, '10k-boot0', 'root.tar.gz'), join(rebootDir, 'root.tar.gz')],
  };
}
