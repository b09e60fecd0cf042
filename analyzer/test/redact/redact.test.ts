// `nsnap redact` end to end on a snapshot with planted secrets: nothing planted survives
// anywhere in the output bytes, the structure (tree JSON) is unchanged, pseudonyms are
// consistent within a snapshot and across snapshots sharing a map, the map is private,
// and `--check` lists what would change.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/archive/limits.js';
import { readTarGz } from '../../src/archive/tar-reader.js';
import { redactCommand } from '../../src/cli/commands/redact.js';
import type { Io } from '../../src/cli/common.js';
import type { Analysis } from '../../src/model/types.js';
import { checkManifest } from '../../src/snapshot/manifest.js';
import { loadView } from '../../src/source/load.js';
import { cli } from '../helpers/run-cli.js';
import { TOP, validItems, writeTarGz } from '../helpers/tarball.js';
import { PLANTED, tmp, writePlanted } from './planted.js';

async function redact(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, env: {} };
  try {
    return { code: await redactCommand(argv, io), stdout, stderr };
  } catch (e) {
    const err = e as { exitCode?: number; message: string };
    return { code: err.exitCode ?? 3, stdout, stderr: stderr + err.message };
  }
}

async function tree(...files: string[]): Promise<Analysis> {
  const r = await cli('tree', '--format', 'json', ...files);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Analysis;
}

function outputText(file: string): string {
  return gunzipSync(readFileSync(file)).toString('latin1');
}

async function entryNames(file: string): Promise<string[]> {
  const names: string[] = [];
  await readTarGz(file, DEFAULT_LIMITS, (e) => names.push(e.path));
  return names;
}

describe('redact a snapshot with planted secrets', async () => {
  const dir = tmp();
  const input = await writePlanted(dir, 'in.tar.gz');
  const output = join(dir, 'out.tar.gz');
  const r = await redact(input, '-o', output);

  it('succeeds and reports where the map went', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/map: .*out\.tar\.gz\.map\.json/);
  });

  it('the input really holds every planted string (the test is not vacuous)', () => {
    const text = outputText(input).toLowerCase();
    for (const s of PLANTED) expect(text, s).toContain(s.toLowerCase());
  });

  it('leaves none of them anywhere in the output bytes', () => {
    const text = outputText(output).toLowerCase();
    for (const s of PLANTED) expect(text, s).not.toContain(s.toLowerCase());
  });

  it('writes a valid snapshot that records the redaction but not the mapping', async () => {
    const view = await loadView(output);
    expect(view.problems).toEqual([]);
    expect(checkManifest(view.manifest)).toEqual([]);
    expect(view.manifest?.redaction?.tool).toMatch(/^nsnap \d/);
    expect(view.manifest?.redaction?.rules).toContain('hostname');
    expect(view.manifest?.collector.copy_mode).toBe('bulk');
    expect(view.manifest?.env?.WSL_DISTRO_NAME).toBe('Ubuntu-22.04');
    expect(JSON.stringify(view.manifest)).not.toContain('host1"'.replace('"', '":'));
  });

  it('writes the map with mode 0600, outside the output', async () => {
    const map = `${output}.map.json`;
    expect(statSync(map).mode & 0o777).toBe(0o600);
    const names = await entryNames(output);
    expect(names.some((n) => /map/.test(n))).toBe(false);
    expect(outputText(output)).not.toContain('nsnap-redaction-map');
    const json = JSON.parse(readFileSync(map, 'utf8')) as { classes: Record<string, Record<string, string>> };
    expect(json.classes.hostname?.['alices-laptop']).toBe('host1');
    expect(json.classes.username?.alice).toBe('user1');
    expect(json.classes.username?.['carol jones']).toMatch(/^user\d$/);
    expect(Object.values(json.classes.ipv4 ?? {})).toContain('192.0.2.1');
  });

  it('keeps the structure: tree JSON equals the original but for redacted strings', async () => {
    const a = await tree(input);
    const b = await tree(output);
    const shape = (x: Analysis): unknown => ({
      namespaces: x.namespaces.map((n) => [n.id, n.parent, n.depth, n.role, n.processes, n.init, n.children, n.parentEvidence]),
      processes: x.processes.map((p) => [p.id, p.parent, p.nspid, p.nspidDepth, p.ppid, p.uid, p.starttime, p.ns]),
      views: x.views.map((v) => [v.pidNamespace, v.processes, v.level, v.bootId, v.kernel]),
    });
    expect(shape(b)).toEqual(shape(a));
    const comms = (x: Analysis): string[] => x.processes.map((p) => p.comm);
    expect(comms(b)).toEqual(comms(a).map((c) => (c === 'alices-laptop' ? 'host1' : c)));
    expect(b.views[0]?.hostname).toBe('host1');
  });

  it('replaces consistently within the snapshot', async () => {
    const view = await loadView(output);
    expect(view.hostname).toBe('host1');
    expect(view.procs.get(104)?.comm).toBe('host1');
    expect(view.procs.get(104)?.stat?.comm).toBe('host1');
    expect(view.procs.get(104)?.status?.name).toBe('host1');
    expect(view.procs.get(105)?.cmdline).toEqual(['ssh', 'user1@host1']);
    expect(view.procs.get(104)?.cmdline?.slice(0, 3)).toEqual(['/home/user1/bin/tool', '--config', '/home/user1/.config/x.json']);
    expect(view.procs.get(100)?.cmdline).toEqual(['curl', '-H', 'Authorization: Bearer [redacted]', 'https://[redacted]@example.com/x']);
    expect(view.procs.get(101)?.cmdline).toEqual(['mysqld', '--password=[redacted]', '--user=mysql']);
    expect(view.procs.get(102)?.cmdline).toEqual(['aws-thing', '--key-id', '[redacted]', '--token', '[redacted]']);
    expect(view.procs.get(103)?.cmdline).toEqual([
      'notify',
      '--to',
      'email1@example.invalid',
      '--from',
      '192.0.2.2',
      '--mac',
      '02:00:00:00:00:01',
      '--ip6',
      '2001:db8::1',
    ]);
    expect(view.procs.get(41)?.cgroup).toEqual(['0::/user.slice/user-1000.slice/host1.scope']);
    expect(view.wslconfig?.wsl2?.kernel).toBe('C:\\\\Users\\\\user1\\\\bzImage');
    expect(view.wslconfig?.wsl2?.swapfile).toBe('C:\\Users\\user1\\swap.vhdx');
    expect(view.procs.get(40)?.wslConf?.network?.hostname).toBe('host1');
    expect(view.manifest?.env?.DISPLAY).toBe('192.0.2.1:0');
    expect(view.manifest?.env?.PULSE_SERVER).toBe('tcp:host1.local');
    expect(view.manifest?.source.proc).toBe('/home/user1/captures/proc');
    // lsns COMMAND reads exactly like the redacted cmdline.
    const lsns = JSON.parse(
      gunzipSync(readFileSync(output))
        .toString('latin1')
        .match(/\{\s*"namespaces"[\s\S]*?\n\}\n/)?.[0] ?? '{}',
    ) as {
      namespaces: { pid: number; command: string }[];
    };
    expect(lsns.namespaces.find((n) => n.pid === 101)?.command).toBe('mysqld --password=[redacted] --user=mysql');
  });

  it('renames the top folder when it holds the host name', async () => {
    const names = await entryNames(output);
    expect(names).toContain('nsnap.json');
    const top = gunzipSync(readFileSync(output)).subarray(0, 100).toString('latin1');
    expect(top.startsWith('nsnap-host1-user1-debug-')).toBe(true);
  });

  it('is idempotent: --check on the output finds nothing', async () => {
    const c = await redact('--check', output);
    expect(c.stdout).toBe('');
    expect(c.code).toBe(0);
  });
});

describe('--check', () => {
  it('lists class, place and replacement, sorted, and exits 1', async () => {
    const dir = tmp();
    const input = await writePlanted(dir, 'in.tar.gz');
    const r = await redact('--check', input);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain(lines.find((l) => /^hostname +nsnap\.json:view\.hostname +alices-laptop → host1$/.test(l)));
    expect(r.stdout).toMatch(/^secret-option +proc\/101\/cmdline +hunter2 → \[redacted\]$/m);
    expect(r.stdout).toMatch(/^url-credentials +proc\/100\/cmdline +bob:hunter2 → \[redacted\]$/m);
    expect(r.stdout).toMatch(/^token +proc\/102\/cmdline +AKIAIOSFODNN7EXAMPLE → \[redacted\]$/m);
    // proc/41 sorts before proc/100: natural order of places.
    expect(r.stdout.indexOf('proc/41/')).toBeLessThan(r.stdout.indexOf('proc/100/'));
    // Deterministic: the same input gives the same listing.
    expect((await redact('--check', input)).stdout).toBe(r.stdout);
    // Nothing was written.
    expect(readdirSync(dir)).toEqual(['in.tar.gz']);
  });

  it('has a JSON form', async () => {
    const input = await writePlanted(tmp(), 'in.tar.gz');
    const r = await redact('--check', '--format', 'json', input);
    const json = JSON.parse(r.stdout) as { format: string; findings: { class: string }[] };
    expect(json.format).toBe('nsnap-redact-check');
    expect(new Set(json.findings.map((f) => f.class))).toEqual(
      new Set([
        'hostname',
        'username',
        'email',
        'ipv4',
        'ipv6',
        'mac',
        'secret-option',
        'auth-header',
        'url-credentials',
        'token',
        'private-key',
        'hex-string',
        'base64-string',
      ]),
    );
  });
});

describe('pseudonyms across snapshots sharing a map', () => {
  it('gives the same user the same pseudonym, a new host the next one', async () => {
    const dir = tmp();
    const a = await writePlanted(dir, 'a.tar.gz');
    const b = await writePlanted(dir, 'b.tar.gz', { hostname: 'bobs-pc' });
    const map = join(dir, 'private', 'map.json');
    mkdirSync(join(dir, 'private'));
    expect((await redact(a, '-o', join(dir, 'a.red.tar.gz'), '--map', map)).code).toBe(0);
    expect((await redact(b, '-o', join(dir, 'b.red.tar.gz'), '--map', map)).code).toBe(0);
    const va = await loadView(join(dir, 'a.red.tar.gz'));
    const vb = await loadView(join(dir, 'b.red.tar.gz'));
    expect(va.hostname).toBe('host1');
    expect(vb.hostname).toBe('host2');
    expect(vb.procs.get(104)?.cmdline?.[0]).toBe('/home/user1/bin/tool');
    expect(vb.procs.get(103)?.cmdline?.[4]).toBe('192.0.2.2');
    // Redacting the first again with the extended map gives the same bytes.
    await redact(a, '-o', join(dir, 'a2.red.tar.gz'), '--map', map);
    expect(readFileSync(join(dir, 'a2.red.tar.gz')).equals(readFileSync(join(dir, 'a.red.tar.gz')))).toBe(true);
    expect(statSync(map).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'a.red.tar.gz.map.json'))).toBe(false);
  });

  it('rewrites an existing map that was readable by others as 0600', async () => {
    const dir = tmp();
    const a = await writePlanted(dir, 'a.tar.gz');
    const map = join(dir, 'm.json');
    writeFileSync(
      map,
      JSON.stringify({ format: 'nsnap-redaction-map', format_version: 1, classes: { hostname: { 'old-host': 'host7' } } }),
    );
    chmodSync(map, 0o644);
    expect((await redact(a, '-o', join(dir, 'o.tar.gz'), '--map', map)).code).toBe(0);
    expect(statSync(map).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(map, 'utf8')) as { classes: { hostname: Record<string, string> } };
    expect(json.classes.hostname).toEqual({ 'old-host': 'host7', 'alices-laptop': 'host8' });
  });

  it('refuses a map that is not one', async () => {
    const dir = tmp();
    const a = await writePlanted(dir, 'a.tar.gz');
    writeFileSync(join(dir, 'm.json'), '{"classes":{}}');
    const r = await redact(a, '-o', join(dir, 'o.tar.gz'), '--map', join(dir, 'm.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an nsnap redaction map/);
    expect(existsSync(join(dir, 'o.tar.gz'))).toBe(false);
  });
});

describe('--keep', () => {
  it('keeps a class and a literal', async () => {
    const dir = tmp();
    const a = await writePlanted(dir, 'a.tar.gz');
    const out = join(dir, 'o.tar.gz');
    expect((await redact(a, '-o', out, '--keep', 'hostnames', '--keep', '10.1.2.3')).code).toBe(0);
    const v = await loadView(out);
    expect(v.hostname).toBe('alices-laptop');
    expect(v.procs.get(103)?.cmdline?.[4]).toBe('10.1.2.3');
    expect(v.procs.get(101)?.cmdline?.[1]).toBe('--password=[redacted]');
    expect(v.manifest?.redaction?.rules).not.toContain('hostname');
  });
});

describe('refusals', () => {
  const table: [string, (dir: string, input: string) => string[], RegExp, number][] = [
    ['-o equal to the input', (_d, i) => [i, '-o', i], /must not be the input/, 2],
    ['the map equal to the output', (d, i) => [i, '-o', join(d, 'o.tar.gz'), '--map', join(d, 'o.tar.gz')], /must not be the output/, 2],
    ['the map equal to the input', (d, i) => [i, '-o', join(d, 'o.tar.gz'), '--map', i], /must not be the input/, 2],
    ['no -o', (_d, i) => [i], /needs -o OUT/, 2],
    ['two inputs', (d, i) => [i, i, '-o', join(d, 'o.tar.gz')], /one snapshot/, 2],
  ];
  for (const [name, args, message, code] of table) {
    it(`refuses ${name}`, async () => {
      const dir = tmp();
      const input = await writePlanted(dir, 'in.tar.gz');
      const before = readFileSync(input);
      const r = await redact(...args(dir, input));
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(readFileSync(input).equals(before)).toBe(true);
      expect(readdirSync(dir)).toEqual(['in.tar.gz']);
    });
  }

  it('rejects an invalid snapshot with its problems, exit 1, and writes nothing', async () => {
    const dir = tmp();
    const bad = await writeTarGz('bad.tar.gz', validItems({ extra: [{ name: `${TOP}/proc/1/ns/net`, type: 'symlink', linkname: 'x' }] }));
    const out = join(dir, 'o.tar.gz');
    const r = await redact(bad, '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/proc\/1\/ns\/net: symlink target 'x' is not a namespace link/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses the output inside an extracted input folder', async () => {
    const dir = tmp();
    const input = await writePlanted(dir, 'in.tar.gz');
    mkdirSync(join(dir, 'x'));
    execFileSync('tar', ['-xzf', input, '-C', join(dir, 'x')]);
    const r = await redact(join(dir, 'x'), '-o', join(dir, 'x', 'o.tar.gz'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/inside it/);
  });
});

describe('inputs', () => {
  it('redacts an extracted snapshot folder like the tarball', async () => {
    const dir = tmp();
    const input = await writePlanted(dir, 'in.tar.gz');
    mkdirSync(join(dir, 'x'));
    execFileSync('tar', ['-xzf', input, '-C', join(dir, 'x')]);
    expect((await redact(join(dir, 'x'), '-o', join(dir, 'from-dir.tar.gz'), '--map', join(dir, 'm1.json'))).code).toBe(0);
    expect((await redact(input, '-o', join(dir, 'from-tar.tar.gz'), '--map', join(dir, 'm2.json'))).code).toBe(0);
    expect(readFileSync(join(dir, 'from-dir.tar.gz')).equals(readFileSync(join(dir, 'from-tar.tar.gz')))).toBe(true);
  });

  it('redacts the WSL samples, keeping the merged tree', async () => {
    const dir = tmp();
    const src = 'samples/wsl/gui-on';
    const names = readdirSync(src).filter((n) => n.endsWith('.tar.gz'));
    for (const n of names) {
      copyFileSync(join(src, n), join(dir, n));
      const r = await redact(join(dir, n), '-o', join(dir, `red-${n}`), '--map', join(dir, 'map.json'));
      expect(r.code, r.stderr).toBe(0);
      expect(outputText(join(dir, `red-${n}`))).not.toContain('DESKTOP-NSNAP');
    }
    const a = await tree(...names.map((n) => join(dir, n)));
    const b = await tree(...names.map((n) => join(dir, `red-${n}`)));
    const strip = (x: Analysis): unknown => ({
      ...x,
      views: x.views.map((v) => ({ ...v, source: '', hostname: null })),
      config: { ...x.config, hostname: null },
    });
    expect(strip(b)).toEqual(strip(a));
  });
});
