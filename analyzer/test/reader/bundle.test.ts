// Bundles (docs/format.md#bundles) read as their views by every command, `-` for standard
// input, and the refusal to read the live /proc when standard input carries data. The
// bundles are built here from the WSL sample snapshots with the system tar, as the
// collector's orchestrator builds them; --into-bundle is run for real.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { loadInput } from '../../src/source/load.js';
import type { CliResult } from '../helpers/run-cli.js';

const SAMPLES = resolve('samples/wsl');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'nsnap-bundle-'));
  dirs.push(d);
  return d;
}

interface Level {
  name: string;
  kind?: string;
  status?: 'captured' | 'failed' | 'missing';
  sample?: string;
  reason?: string;
}

/** A bundle of sample snapshots: each captured level's top folder below one bundle folder. */
function makeBundle(levels: Level[], opts: { extraFolder?: string; manifestText?: string; besideManifest?: string } = {}): string {
  const dir = scratch();
  const top = join(dir, 'nsnap-bundle-test-20261129T034000Z');
  mkdirSync(top);
  const entries = levels.map((l) => {
    const entry: Record<string, unknown> = { name: l.name, kind: l.kind ?? 'wsl-user', distro: null, status: l.status ?? 'captured' };
    if ((l.status ?? 'captured') === 'captured') {
      const before = new Set(readdirSync(top));
      const r = spawnSync('tar', ['-xzf', join(SAMPLES, l.sample as string), '-C', top]);
      expect(r.status).toBe(0);
      entry.folder = readdirSync(top).find((n) => !before.has(n));
    } else entry.reason = l.reason ?? 'not captured in this test';
    return entry;
  });
  if (opts.extraFolder) spawnSync('tar', ['-xzf', join(SAMPLES, opts.extraFolder), '-C', top]);
  if (opts.besideManifest) writeFileSync(join(top, opts.besideManifest), '{}');
  const manifest = {
    format: 'nsnap-bundle',
    format_version: 1,
    collector: { name: 'test', version: '1' },
    created: '2026-11-29T03:40:00Z',
    host: 'vm',
    levels: entries,
  };
  // Laid out as nsnap-wsl.sh writes it: one level per line (--into-bundle relies on it).
  const text = JSON.stringify({ ...manifest, levels: [] }, null, 2).replace(
    '"levels": []',
    `"levels": [\n${entries.map((e) => `    ${JSON.stringify(e).replace(/":/g, '": ').replace(/,"/g, ', "')}`).join(',\n')}\n  ]`,
  );
  writeFileSync(join(top, 'nsnap-bundle.json'), opts.manifestText ?? `${text}\n`);
  const file = join(dir, 'bundle.tar.gz');
  const r = spawnSync('tar', ['-czf', file, '-C', dir, 'nsnap-bundle-test-20261129T034000Z']);
  expect(r.status).toBe(0);
  return file;
}

const GUI_ON: Level[] = [
  { name: 'debug-shell', kind: 'wsl-root', sample: 'gui-on/debug-shell.tar.gz' },
  { name: 'system', kind: 'wsl-system', sample: 'gui-on/system-distro.tar.gz' },
  { name: 'Ubuntu-20.04', sample: 'gui-on/ubuntu-20.04.tar.gz' },
  { name: 'Ubuntu-18.04', sample: 'gui-on/ubuntu-18.04.tar.gz' },
];

async function nsnap(argv: string[], io: { stdin?: Buffer; stdinHasData?: boolean } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    isTTY: false,
    env: { NSNAP_NO_WORKERS: '1' },
    ...(io.stdinHasData !== undefined ? { stdinHasData: io.stdinHasData } : {}),
    ...(io.stdin ? { readStdin: () => Promise.resolve(io.stdin as Buffer) } : {}),
  });
  return { code, stdout, stderr };
}

const samples = GUI_ON.map((l) => join(SAMPLES, l.sample as string));

describe('bundles', () => {
  it('are read as the views of their captured levels, in manifest order', async () => {
    const file = makeBundle(GUI_ON);
    const routed = await loadInput(file);
    expect(routed.problems).toEqual([]);
    expect(routed.views.map((v) => v.source)).toEqual(GUI_ON.map((l) => `${file}#${l.name}`));
    expect(routed.views.every((v) => v.problems.length === 0)).toBe(true);
  });

  it('give the same tree, ps and pid answers as their snapshots named one by one', async () => {
    const file = makeBundle(GUI_ON);
    for (const argv of [['tree', '--format', 'json'], ['ps'], ['pid', '1']]) {
      const one = await nsnap([...argv, file]);
      const many = await nsnap([...argv, ...samples]);
      expect(one.code, one.stderr).toBe(many.code);
      // Views are named by their source; everything else must agree.
      const strip = (s: string): string => s.replaceAll(file, 'X').replace(/"source": "[^"]*"/g, '"source": ""');
      const norm = (s: string): string => strip(samples.reduce((acc, f, i) => acc.replaceAll(f, `X#${GUI_ON[i]?.name}`), s));
      expect(norm(one.stdout)).toBe(norm(many.stdout));
    }
  });

  it('validate lists every level; tree names a missing or failed level on stderr', async () => {
    const file = makeBundle([
      ...GUI_ON.slice(1),
      { name: 'debug-shell', kind: 'wsl-root', status: 'missing', reason: 'needs an admin console' },
      { name: 'Debian', status: 'failed', reason: "'wsl.exe -d Debian' failed with status 1" },
    ]);
    const v = await nsnap(['validate', file]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout.split('\n').filter((l) => l.startsWith('ok'))).toHaveLength(3);
    const t = await nsnap(['tree', file]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toContain(`level 'debug-shell' was not captured: needs an admin console`);
    expect(t.stderr).toContain(`level 'Debian' failed: 'wsl.exe -d Debian' failed with status 1`);
  });

  it('diff BUNDLE_A BUNDLE_B compares machines', async () => {
    const a = makeBundle(GUI_ON);
    const b = makeBundle([
      { name: 'debug-shell', kind: 'wsl-root', sample: 'gui-off/debug-shell.tar.gz' },
      { name: 'Ubuntu-20.04', sample: 'gui-off/ubuntu-20.04.tar.gz' },
      { name: 'Ubuntu-18.04', sample: 'gui-off/ubuntu-18.04.tar.gz' },
    ]);
    const same = await nsnap(['diff', a, a]);
    expect(same.code, same.stderr).toBe(0);
    const changed = await nsnap(['diff', a, b, '--format', 'json']);
    expect(changed.code, changed.stderr).toBe(1);
    const files = await nsnap([
      'diff',
      '--before',
      ...samples,
      '--after',
      ...['debug-shell', 'ubuntu-20.04', 'ubuntu-18.04'].map((n) => join(SAMPLES, 'gui-off', `${n}.tar.gz`)),
      '--format',
      'json',
    ]);
    const drop = (s: string): unknown => JSON.parse(s.replace(/"[^"]*(bundle\.tar\.gz|samples\/wsl)[^"]*"/g, '""')) as unknown;
    expect(drop(changed.stdout)).toEqual(drop(files.stdout));
  });

  it('refuse layouts the format does not allow, naming the entry', async () => {
    const cases: [string, string, RegExp][] = [
      [
        makeBundle(GUI_ON.slice(0, 1), { extraFolder: 'gui-on/system-distro.tar.gz' }),
        'unlisted folder',
        /a folder the bundle manifest does not list/,
      ],
      [makeBundle(GUI_ON.slice(0, 1), { besideManifest: 'nsnap.json' }), 'snapshot files', /snapshot files sit beside its manifest/],
      [makeBundle(GUI_ON.slice(0, 1), { manifestText: '{"format": "nsnap-bundle"' }), 'bad JSON', /nsnap-bundle.json: not valid JSON/],
      [
        makeBundle(GUI_ON.slice(0, 1), {
          manifestText:
            '{"format": "nsnap-bundle", "format_version": 1, "collector": {"name": "t", "version": "1"}, "created": "x", "levels": [{"name": "a", "kind": "wsl-user", "status": "captured"}]}',
        }),
        'no folder',
        /must have required property 'folder'/,
      ],
    ];
    for (const [file, what, message] of cases) {
      const t = await nsnap(['tree', file]);
      expect(t.code, what).toBe(1);
      expect(t.stderr, what).toMatch(message);
      const v = await nsnap(['validate', file]);
      expect(v.code, what).toBe(1);
      expect(v.stdout, what).toMatch(message);
    }
  });

  it('redact writes a bundle with one map across all its views', async () => {
    const file = makeBundle(GUI_ON);
    const out = join(scratch(), 'shared.tar.gz');
    const r = await nsnap(['redact', file, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const routed = await loadInput(out);
    expect(routed.problems).toEqual([]);
    expect(routed.bundle?.manifest.levels.map((l) => l.name)).toEqual(GUI_ON.map((l) => l.name));
    expect(routed.views).toHaveLength(4);
    // One pseudonym per original: each hostname maps to exactly one replacement across levels.
    const map = JSON.parse(readFileSync(`${out}.map.json`, 'utf8')) as unknown;
    const text = JSON.stringify(map);
    const original = (await loadInput(file)).views.map((v) => v.hostname).filter((h): h is string => h !== null);
    for (const h of new Set(original.map((o) => o.toLowerCase()))) expect(text.toLowerCase().split(`"${h}"`).length - 1, h).toBe(1);
    const hosts = new Set(routed.views.map((v) => v.hostname));
    for (const h of original) expect(hosts.has(h)).toBe(false);
    const check = await nsnap(['redact', '--check', out]);
    expect(check.code, check.stdout).toBe(0);
  });
});

describe('standard input', () => {
  const snap = join(SAMPLES, 'gui-on/ubuntu-20.04.tar.gz');

  it("'-' reads a snapshot or a bundle from it", async () => {
    const viaFile = await nsnap(['tree', '--format', 'json', snap]);
    const viaStdin = await nsnap(['tree', '--format', 'json', '-'], { stdin: readFileSync(snap), stdinHasData: true });
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect(viaStdin.stdout.replaceAll(JSON.stringify('-'), JSON.stringify(snap))).toBe(viaFile.stdout);
    const bundle = makeBundle(GUI_ON);
    const b = await nsnap(['validate', '-'], { stdin: readFileSync(bundle), stdinHasData: true });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.split('\n').filter((l) => l.startsWith('ok  -#'))).toHaveLength(4);
  });

  it('refuses a pipe with no view named, instead of reading the live /proc', async () => {
    for (const cmd of ['tree', 'ps']) {
      const r = await nsnap([cmd], { stdinHasData: true });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/standard input is a pipe or a file, but no view was named; add '-' to read the snapshot from it/);
    }
  });

  it("names '-' once only, and says when it is empty or not gzip", async () => {
    const twice = await nsnap(['tree', '-', '-'], { stdin: readFileSync(snap) });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/'-' \(standard input\) can be named once only/);
    const empty = await nsnap(['tree', '-'], { stdin: Buffer.alloc(0) });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/standard input is empty/);
    const text = await nsnap(['tree', '-'], { stdin: Buffer.from('hello') });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^nsnap: -: not a gzip file/);
  });

  it('the built CLI reads a piped snapshot and refuses a pipe with no view', () => {
    const bin = resolve('bin/nsnap');
    const piped = spawnSync(bin, ['tree', '-'], { input: readFileSync(snap), encoding: 'utf8' });
    // spawnSync's input is a pipe, as `collector -o - | nsnap tree -` gives.
    expect(piped.status, piped.stderr).toBe(0);
    const none = spawnSync('sh', ['-c', `cat "$1" | "$2" tree`, 'sh', snap, bin], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no view was named/);
  });
});

describe('--into-bundle', () => {
  it('adds a snapshot taken elsewhere, replacing a missing level of that name', async () => {
    const file = makeBundle([...GUI_ON.slice(1), { name: 'debug-shell', kind: 'wsl-root', status: 'missing', reason: 'no admin console' }]);
    const r = spawnSync(
      'sh',
      [
        'collector/nsnap-collect.sh',
        '--into-bundle',
        file,
        '--add',
        join(SAMPLES, 'gui-on/debug-shell.tar.gz'),
        '--level',
        'debug-shell',
        '--kind',
        'wsl-root',
      ],
      { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch() } },
    );
    expect(r.status, r.stderr).toBe(0);
    const routed = await loadInput(file);
    expect(routed.problems).toEqual([]);
    expect(routed.bundle?.manifest.levels.map((l) => `${l.name}:${l.status}`)).toEqual([
      'system:captured',
      'Ubuntu-20.04:captured',
      'Ubuntu-18.04:captured',
      'debug-shell:captured',
    ]);
    const t = await nsnap(['tree', file]);
    expect(t.stderr).toBe('');
  });

  it('refuses a file that is not a bundle, in one sentence', () => {
    const r = spawnSync(
      'sh',
      [
        'collector/nsnap-collect.sh',
        '--into-bundle',
        join(SAMPLES, 'gui-on/debug-shell.tar.gz'),
        '--add',
        join(SAMPLES, 'gui-on/debug-shell.tar.gz'),
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: scratch() },
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not a bundle: it has no nsnap-bundle.json/);
  });
});
