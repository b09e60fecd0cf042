// The reader against corrupt, truncated and hostile tarballs, all built here.

import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { loadView } from '../../src/source/load.js';
import { NsnapError } from '../../src/errors.js';
import { DEFAULT_LIMITS } from '../../src/archive/limits.js';
import { TOP, tarBytes, tmpFile, validItems, writeTarGz } from '../helpers/tarball.js';

async function errorOf(p: Promise<unknown>): Promise<NsnapError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NsnapError) return e;
    throw e;
  }
  throw new Error('expected an NsnapError');
}

describe('archive container', () => {
  it('reads a valid snapshot', async () => {
    const view = await loadView(await writeTarGz('ok.tar.gz', validItems()));
    expect(view.problems).toEqual([]);
    expect(view.procs.size).toBe(2);
    expect(view.bootId).toBe('b00710d0-0000-0000-0000-000000000001');
    expect(view.procs.get(40)?.status?.nspid).toEqual([40, 1]);
  });

  it('refuses a file that is not gzip', async () => {
    const e = await errorOf(loadView(tmpFile('plain.tar.gz', Buffer.from('hello, not gzip'))));
    expect(e).toMatchObject({ code: 'NOT_GZIP', exitCode: 2 });
  });

  it('refuses gzip of something that is not tar', async () => {
    const e = await errorOf(loadView(tmpFile('text.tar.gz', gzipSync(Buffer.alloc(2048, 'x')))));
    expect(e).toMatchObject({ code: 'NOT_TAR', exitCode: 2 });
  });

  it('reports truncation at every 512-byte block boundary as one clear error', async () => {
    const tar = await tarBytes(validItems());
    for (let cut = 512; cut < tar.length - 1024; cut += 512) {
      const e = await errorOf(loadView(tmpFile('cut.tar.gz', gzipSync(tar.subarray(0, cut)))));
      expect(['TRUNCATED', 'NOT_TAR']).toContain(e.code);
      expect(e.exitCode).toBe(2);
    }
  });

  it('reports a truncated gzip stream', async () => {
    const gz = gzipSync(await tarBytes(validItems()));
    const e = await errorOf(loadView(tmpFile('cutgz.tar.gz', gz.subarray(0, Math.floor(gz.length / 2)))));
    expect(e.code).toBe('TRUNCATED');
  });

  it('refuses a corrupt header checksum', async () => {
    const tar = await tarBytes(validItems());
    tar[148] = 0x37; // checksum field of the first header
    tar[149] = 0x37;
    const e = await errorOf(loadView(tmpFile('sum.tar.gz', gzipSync(tar))));
    expect(e.code).toBe('NOT_TAR');
  });
});

describe('entry policy', () => {
  const cases: [
    string,
    { name: string; type?: 'file' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'directory'; content?: string; linkname?: string },
    RegExp,
  ][] = [
    ['absolute path', { name: '/etc/passwd', content: 'x' }, /absolute path/],
    ['dot-dot', { name: `${TOP}/proc/../../etc/x`, content: 'x' }, /'\.\.'/],
    ['control character', { name: `${TOP}/proc/1/st\u001b[2Jat`, content: 'x' }, /control character/],
    ['hard link', { name: `${TOP}/proc/1/cgroup`, type: 'link', linkname: `${TOP}/nsnap.json` }, /entry type 'link'/],
    ['fifo', { name: `${TOP}/proc/1/cgroup`, type: 'fifo' }, /entry type 'fifo'/],
    ['device', { name: `${TOP}/proc/1/cgroup`, type: 'character-device' }, /entry type 'character-device'/],
    ['symlink elsewhere', { name: `${TOP}/proc/1/cgroup`, type: 'symlink', linkname: '/etc/shadow' }, /must be a regular file/],
    ['bad ns target', { name: `${TOP}/proc/1/ns/net`, type: 'symlink', linkname: 'x' }, /symlink target 'x' is not a namespace link/],
    ['wrong ns type', { name: `${TOP}/proc/1/ns/net`, type: 'symlink', linkname: 'pid:[4026531836]' }, /wrong type/],
    ['unknown file', { name: `${TOP}/proc/1/environ`, content: 'SECRET=1' }, /unexpected entry/],
    ['outside top folder', { name: 'other/nsnap.json', content: '{}' }, /outside the top folder/],
    ['duplicate', { name: `${TOP}/proc/1/comm`, content: 'evil\n' }, /duplicate entry/],
  ];
  for (const [what, item, message] of cases) {
    it(`reports ${what} as a problem and keeps reading`, async () => {
      const view = await loadView(await writeTarGz('bad.tar.gz', validItems({ extra: [item] })));
      expect(view.problems.map((p) => p.message).join('\n')).toMatch(message);
      expect(view.procs.get(40)?.status).not.toBeNull();
    });
  }

  it('reports content that breaks the kernel formats', async () => {
    const extra = [
      { name: `${TOP}/proc/77`, type: 'directory' as const },
      {
        name: `${TOP}/proc/77/status`,
        content: `Name:\tx\nPid:\t77\nPPid:\t-1\nNSpid:\t${Array.from({ length: 40 }, (_, i) => i + 1).join('\t')}\n`,
      },
      { name: `${TOP}/proc/77/stat`, content: '77 (a) b) c\nd) S 1 ' },
    ];
    const view = await loadView(await writeTarGz('content.tar.gz', validItems({ extra, count: 3 })));
    const text = view.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(text).toMatch(/proc\/77\/status: PPid/);
    expect(text).toMatch(/proc\/77\/status: NSpid: 40 levels/);
    expect(text).toMatch(/proc\/77\/stat: stat: no valid starttime/);
  });

  it('takes the comm of stat up to the last parenthesis', async () => {
    const extra = [{ name: `${TOP}/proc/40/stat`, content: '40 (a) b) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n' }];
    const items = validItems().filter((i) => i.name !== `${TOP}/proc/40/stat`);
    const view = await loadView(await writeTarGz('comm.tar.gz', [...items, ...extra]));
    expect(view.procs.get(40)?.stat).toMatchObject({ comm: 'a) b', starttime: 777, ppid: 1 });
  });

  it('refuses a manifest that does not match the schema, and __proto__ keys are inert', async () => {
    const view = await loadView(
      await writeTarGz(
        'manifest.tar.gz',
        validItems({ manifest: JSON.parse('{"format_version": "1", "__proto__": {"polluted": true}}') as object }),
      ),
    );
    expect(view.problems.map((p) => p.message).join('\n')).toMatch(/format_version/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('cross-checks the manifest counts with the content', async () => {
    const view = await loadView(await writeTarGz('count.tar.gz', validItems({ count: 5 })));
    expect(view.problems.map((p) => p.message).join('\n')).toMatch(/counts.processes is 5 but the archive holds 2/);
  });
});

describe('limits', () => {
  it('stops at the entry size limit and names the flag', async () => {
    const file = await writeTarGz(
      'big.tar.gz',
      validItems({ extra: [{ name: `${TOP}/proc/1/cgroup`, content: Buffer.alloc(4096, 'a') }] }),
    );
    const e = await errorOf(loadView(file, { limits: { ...DEFAULT_LIMITS, maxEntrySize: 1024 } }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.hint).toContain('--max-entry-size');
  });

  it('stops a decompression bomb at the total size limit', async () => {
    const bomb = Array.from({ length: 8 }, (_, i) => ({ name: `${TOP}/proc/${100 + i}/cmdline`, content: Buffer.alloc(1 << 20) }));
    const file = await writeTarGz('bomb.tar.gz', validItems({ extra: bomb }));
    const e = await errorOf(loadView(file, { limits: { ...DEFAULT_LIMITS, maxTotalBytes: 4 << 20 } }));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.hint).toContain('--max-total-bytes');
  });

  it('stops at the entry count limit and at the path depth limit', async () => {
    const file = await writeTarGz('many.tar.gz', validItems());
    const e = await errorOf(loadView(file, { limits: { ...DEFAULT_LIMITS, maxEntries: 5 } }));
    expect(e.hint).toContain('--max-entries');
    const deep = await writeTarGz('deep.tar.gz', validItems({ extra: [{ name: `${TOP}/a/b/c/d/e/f/g/h/i/j`, content: 'x' }] }));
    const d = await errorOf(loadView(deep));
    expect(d.hint).toContain('--max-path-depth');
  });
});
