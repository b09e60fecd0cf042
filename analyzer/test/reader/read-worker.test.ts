// The tarball reader in a worker thread (archive/worker-client.ts) against the reader on
// one thread: the same entries in the same order, the same problems, and for corrupt,
// truncated, hostile or oversized archives the same one error (code, message, hint, exit
// code). Also: a sink error or a dying worker ends the read with one error, and the
// process exits at once afterwards (no worker kept alive).
//
// The worker runs the built script (dist/archive/read-worker.js): `npm test` builds it.

import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../src/archive/entry.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/archive/limits.js';
import { readTarGz } from '../../src/archive/tar-reader.js';
import { NsnapError } from '../../src/errors.js';
import { loadInput } from '../../src/source/load.js';
import { scratchDir } from '../helpers/scratch.js';
import { TOP, tarBytes, tmpFile, validItems, writeTarGz, type TarItem } from '../helpers/tarball.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WORKER = join(ROOT, 'dist', 'archive', 'read-worker.js');
const built = existsSync(WORKER);
if (!built) console.warn(`skipped: ${WORKER} is not built; run 'npm run build' (under CI=true this fails instead)`);

interface Outcome {
  entries?: Array<Omit<Entry, 'data'> & { data?: string }>;
  result?: unknown;
  error?: { name: string; code?: string; message: string; hint?: string; exitCode?: number };
}

/** Everything one read hands out: the entries (contents as hex), the result or the error. */
async function outcome(file: string, worker: false | string, limits: Limits = DEFAULT_LIMITS): Promise<Outcome> {
  const entries: NonNullable<Outcome['entries']> = [];
  const sink = (e: Entry): void => {
    entries.push({ ...e, data: e.data?.toString('hex') });
  };
  try {
    const result = await readTarGz(file, limits, sink, undefined, undefined, { worker });
    return { entries, result };
  } catch (e) {
    const err = e as NsnapError;
    const error = { name: err.constructor.name, code: err.code, message: err.message, hint: err.hint, exitCode: err.exitCode };
    return { entries, error };
  }
}

async function expectSame(file: string, limits?: Limits): Promise<Outcome> {
  const here = await outcome(file, false, limits);
  const there = await outcome(file, WORKER, limits);
  expect(there).toEqual(here);
  return here;
}

describe.skipIf(!built && !process.env.CI)('the reader in a worker thread', () => {
  beforeAll(() => {
    if (!built) throw new Error(`${WORKER} is missing: run 'npm run build' first`);
  });

  it('hands out the same entries, in order, over many batches and with odd names and sizes', async () => {
    const extra: TarItem[] = [
      { name: `${TOP}/proc/40/root`, type: 'directory' },
      { name: `${TOP}/proc/40/root/etc`, type: 'directory' },
      { name: `${TOP}/proc/40/root/etc/os-release`, content: 'NAME="Ünïcødé ✓"\n' },
      { name: `${TOP}/proc/41/cmdline`, content: Buffer.alloc(1_500_000, 0x61) },
      { name: `${TOP}/proc/42/cmdline`, content: '' },
      { name: `${TOP}/proc/43/ns/net`, type: 'symlink', linkname: 'net:[4026531840]' },
      { name: `${TOP}/weird/名前/é`, content: 'x' },
      ...Array.from({ length: 3000 }, (_, i) => ({ name: `${TOP}/proc/${1000 + i}/comm`, content: `p${i}\n`.repeat(i % 50) })),
      { name: '/absolute', content: 'x' },
      { name: `${TOP}/proc/44/fifo`, type: 'fifo' as const },
      { name: `other/nsnap.json`, content: '{}' },
    ];
    const file = await writeTarGz('many.tar.gz', validItems({ extra }));
    const same = await expectSame(file);
    expect(same.error).toBeUndefined();
    expect(same.entries?.length).toBeGreaterThan(3000);
    expect((same.result as { problems: unknown[] }).problems.length).toBe(3);
  });

  it('gives the same one error for every truncation, corruption and limit', async () => {
    const tar = await tarBytes(validItems());
    const files: Array<[string, Limits?]> = [];
    for (let cut = 0; cut <= tar.length; cut += 512) files.push([tmpFile(`cut-${cut}.tar.gz`, gzipSync(tar.subarray(0, cut)))]);
    const gz = gzipSync(tar);
    files.push([tmpFile('cutgz.tar.gz', gz.subarray(0, Math.floor(gz.length / 2)))]);
    files.push([tmpFile('text.tar.gz', gzipSync(Buffer.alloc(2048, 'x')))]);
    files.push([tmpFile('plain.tar.gz', Buffer.from('hello, not gzip'))]);
    const bad = Buffer.from(gz);
    bad[gz.length - 6] = (bad[gz.length - 6] as number) ^ 0xff; // the CRC
    files.push([tmpFile('crc.tar.gz', bad)]);
    const sum = Buffer.from(tar);
    sum[148] = 0x37;
    sum[149] = 0x37;
    files.push([tmpFile('sum.tar.gz', gzipSync(sum))]);
    const ok = await writeTarGz('ok.tar.gz', validItems({ extra: [{ name: `${TOP}/proc/1/cgroup`, content: Buffer.alloc(8192, 'a') }] }));
    files.push([ok, { ...DEFAULT_LIMITS, maxEntries: 5 }]);
    files.push([ok, { ...DEFAULT_LIMITS, maxTotalBytes: 4096 }]);
    files.push([ok, { ...DEFAULT_LIMITS, maxEntrySize: 1024 }]);
    files.push([await writeTarGz('deep.tar.gz', validItems({ extra: [{ name: `${TOP}/a/b/c/d/e/f/g/h/i/j`, content: 'x' }] }))]);
    const codes = new Set<string>();
    for (const [file, limits] of files) {
      const same = await expectSame(file, limits);
      if (same.error?.code) codes.add(same.error.code);
    }
    expect([...codes].sort()).toEqual(['LIMIT_EXCEEDED', 'NOT_GZIP', 'NOT_TAR', 'TRUNCATED']);
  });

  it('loads the same view through loadInput', async () => {
    const file = await writeTarGz('view.tar.gz', validItems({ extra: [{ name: `${TOP}/proc/40/environ`, content: 'A=1' }] }));
    const here = await loadInput(file, { read: { worker: false } });
    const there = await loadInput(file, { read: { worker: WORKER } });
    expect(there).toEqual(here);
    expect(here.views[0]?.procs.size).toBe(2);
  });

  it('reports progress up to the last entry', async () => {
    const extra = Array.from({ length: 9000 }, (_, i) => ({ name: `${TOP}/proc/${1000 + i}`, type: 'directory' as const }));
    const file = await writeTarGz('progress.tar.gz', validItems({ extra }));
    for (const worker of [false, WORKER] as const) {
      const seen: number[] = [];
      const result = await readTarGz(
        file,
        DEFAULT_LIMITS,
        () => {},
        (_c, n) => seen.push(n),
        undefined,
        { worker },
      );
      expect(seen.length).toBeGreaterThan(1);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen[seen.length - 1]).toBe(result.entries);
    }
  });

  it('ends with the sink error when the sink throws, and stops the worker', async () => {
    const file = await writeTarGz('sink.tar.gz', validItems());
    const boom = new NsnapError('INVALID_SNAPSHOT', 'the sink refused entry 3');
    let n = 0;
    const sink = (): void => {
      n += 1;
      if (n === 3) throw boom;
    };
    await expect(readTarGz(file, DEFAULT_LIMITS, sink, undefined, undefined, { worker: WORKER })).rejects.toBe(boom);
    expect(n).toBe(3);
  });

  it('ends with one error when the worker dies or throws', async () => {
    const file = await writeTarGz('dies.tar.gz', validItems());
    const dir = scratchDir('nsnap-worker-');
    const exits = join(dir, 'exits.mjs');
    writeFileSync(exits, 'process.exit(7);\n');
    const throws = join(dir, 'throws.mjs');
    writeFileSync(throws, "throw new Error('inflate blew up');\n");
    await expect(readTarGz(file, DEFAULT_LIMITS, () => {}, undefined, undefined, { worker: exits })).rejects.toThrow(
      `the thread reading ${file} stopped (exit code 7) before it finished`,
    );
    await expect(readTarGz(file, DEFAULT_LIMITS, () => {}, undefined, undefined, { worker: throws })).rejects.toThrow('inflate blew up');
  });

  it('lets the process exit at once after a read, a failed read and a sink error', async () => {
    // 64 MiB that is not tar, and a valid archive with 64 MiB of content after its start.
    const notTar = tmpFile('xs.tar.gz', gzipSync(Buffer.alloc(64 << 20, 'x')));
    const bodies = Array.from({ length: 8 }, (_, i) => ({ name: `${TOP}/proc/${100 + i}/cmdline`, content: Buffer.alloc(8 << 20, 'a') }));
    const valid = await writeTarGz('exit.tar.gz', validItems({ extra: bodies }));
    const script = `
      const { readTarGz } = await import(${JSON.stringify(join(ROOT, 'dist', 'archive', 'tar-reader.js'))});
      const { DEFAULT_LIMITS } = await import(${JSON.stringify(join(ROOT, 'dist', 'archive', 'limits.js'))});
      const [file, how] = process.argv.slice(2);
      const sink = how === 'sink' ? () => { throw new Error('sink says no'); } : () => {};
      try {
        const r = await readTarGz(file, DEFAULT_LIMITS, sink, undefined, undefined, { worker: ${JSON.stringify(WORKER)} });
        console.log('read', r.entries);
      } catch (e) {
        console.log('error', e.message);
      }`;
    const main = join(scratchDir('nsnap-worker-'), 'main.mjs');
    writeFileSync(main, script);
    const run = (f: string, how: string): string => {
      const r = spawnSync(process.execPath, [main, f, how], { encoding: 'utf8', timeout: 20_000 });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      return r.stdout.trim();
    };
    expect(run(notTar, 'walk')).toMatch(`error ${notTar}: not a tar archive, or a corrupt one`);
    expect(run(valid, 'walk')).toMatch(/^read \d+$/);
    expect(run(valid, 'sink')).toBe('error sink says no');
  });
});
