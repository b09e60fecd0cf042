// The package as a user gets it: `npm pack`, then a global install into a temporary
// prefix, then nsnap run from another folder. The tarball must hold the built analyzer,
// the collector, schemas, rules and docs, and nothing else: no tests, no TypeScript
// sources, no tool code, and nothing a user creates (snapshots, maps, reports).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeScratch } from '../helpers/collector-run.js';
import { gate } from '../helpers/gate.js';

const ROOT = resolve('.');

/** Why the install cannot run here: it needs npm and the registry (or a warm cache). */
function packSkipReason(): string | null {
  const r = spawnSync('npm', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'npm is not on PATH';
}

afterAll(removeScratch);

const g = gate(packSkipReason());

/** Files a user is told to create (README), planted in the checkout to prove they stay out. */
const USER_FILES = [
  'snap.tar.gz',
  'snap-shared.tar.gz',
  'snap-shared.tar.gz.map.json',
  'report.md',
  'tree.html',
  'nsnap-vm-x-20260101T000000Z.tar.gz',
];

let work = '';
let tarball = '';
let files: string[] = [];
const planted: string[] = [];

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false', ...env },
  });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}: ${r.stderr}${r.error ? String(r.error) : ''}`);
  return r.stdout;
}

describe.skipIf(g.skip)(`the packed package${g.reason ? ` (skipped: ${g.reason})` : ''}`, () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'nsnap-pack-'));
    for (const name of USER_FILES) {
      if (existsSync(join(ROOT, name))) continue;
      writeFileSync(join(ROOT, name), 'user data\n');
      planted.push(join(ROOT, name));
    }
    // --ignore-scripts: the suite has just built dist/; prepack would rebuild it (and
    // delete it first) under the feet of other test files.
    const out = ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT), 'npm pack');
    const info = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, (info[0] as { filename: string }).filename);
    files = (info[0] as { files: { path: string }[] }).files.map((f) => f.path).sort();
  }, 300_000);

  afterAll(() => {
    for (const p of planted) rmSync(p, { force: true });
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('.gitignore covers every file the README tells users to create', () => {
    const r = spawnSync('git', ['check-ignore', '--no-index', ...USER_FILES, 'before/a.tar.gz', 'x.tgz'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n').sort()).toEqual([...USER_FILES, 'before/a.tar.gz', 'x.tgz'].sort());
  });

  it('holds the built analyzer, collector, schemas, rules, docs and README, and nothing else', () => {
    expect(files).toContain('bin/nsnap');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/prepared/builtin-rules.json');
    expect(files).toContain('collector/nsnap-collect.sh');
    expect(files).toContain('schemas/manifest.schema.json');
    expect(files).toContain('analyzer/rules/wsl.yaml');
    expect(files).toContain('docs/format.md');
    expect(files).toContain('README.md');
    const allowed =
      /^(package\.json|README\.md|bin\/nsnap|dist\/.+\.(js|cjs|json)|collector\/[^/]+\.sh|schemas\/[^/]+\.json|analyzer\/rules\/[^/]+\.yaml|docs\/[^/]+\.md)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /\.ts$|\.map$|test|generate|\.tar\.gz$|map\.json$/.test(f))).toEqual([]);
  });

  it('installs globally into a prefix and runs tree, collect, validate and diff from another folder', () => {
    const prefix = join(work, 'prefix');
    ok(
      run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work),
      'npm install -g',
    );
    // Only the runtime dependencies came along.
    const deps = readdirSync(join(prefix, 'lib', 'node_modules', 'nsnap', 'node_modules'));
    expect(deps).toContain('ajv');
    for (const dev of ['typescript', 'vitest', 'eslint', 'fast-check', 'playwright-core']) expect(deps).not.toContain(dev);

    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    const nsnap = join(prefix, 'bin', 'nsnap');
    expect(ok(run(nsnap, ['--version'], elsewhere), 'nsnap --version')).toMatch(/^nsnap \d+\.\d+\.\d+\n$/);
    expect(ok(run(nsnap, ['tree'], elsewhere), 'nsnap tree')).toMatch(/pid namespaces/);
    ok(run(nsnap, ['collect', '--quiet', '-o', 'x.tar.gz'], elsewhere), 'nsnap collect');
    ok(run(nsnap, ['collect', '--quiet', '--label', 'other', '-o', 'y.tar.gz'], elsewhere), 'nsnap collect');
    expect(ok(run(nsnap, ['validate', 'x.tar.gz', 'y.tar.gz'], elsewhere), 'nsnap validate')).toMatch(
      /^ok {2}x\.tar\.gz: .*\nok {2}y\.tar\.gz: /,
    );
    const diff = run(nsnap, ['diff', 'x.tar.gz', 'y.tar.gz'], elsewhere);
    // 0 or 1: two live captures may differ (processes come and go); 2 would be trouble.
    expect([0, 1], diff.stderr).toContain(diff.status);
    expect(diff.stdout).toMatch(/^nsnap diff: /);
    expect(ok(run(nsnap, ['collect', '--help'], elsewhere), 'nsnap collect --help')).toMatch(/nsnap collect/);
  }, 300_000);

  it('runs with npx from the tarball', () => {
    const elsewhere = join(work, 'npx');
    mkdirSync(elsewhere);
    const out = ok(run('npx', ['--yes', '--prefer-offline', '--package', tarball, 'nsnap', '--version'], elsewhere), 'npx nsnap');
    expect(out).toMatch(/^nsnap \d+\.\d+\.\d+\n$/);
  }, 300_000);
});
