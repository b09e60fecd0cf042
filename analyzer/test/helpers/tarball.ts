// Builds tarballs in the test itself (hostile ones included) instead of committing binaries.

import { scratchDir } from './scratch.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

export interface TarItem {
  name: string;
  type?: Header['type'];
  content?: string | Buffer;
  linkname?: string;
}

export async function tarBytes(items: TarItem[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const item of items) {
    const type = item.type ?? 'file';
    const header: Partial<Header> & { name: string } = {
      name: item.name,
      type,
      mode: type === 'directory' ? 0o755 : 0o644,
      mtime: new Date(0),
    };
    if (item.linkname !== undefined) header.linkname = item.linkname;
    if (type === 'file') pack.entry(header, item.content ?? '');
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function tmpFile(name: string, data: Buffer): string {
  const dir = scratchDir('nsnap-tar-');
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

export async function writeTarGz(name: string, items: TarItem[]): Promise<string> {
  return tmpFile(name, gzipSync(await tarBytes(items)));
}

const TOP = 'nsnap-test-top';

/** A small valid snapshot: two processes, one nested namespace. */
export function validItems(overrides: { manifest?: object; extra?: TarItem[]; count?: number } = {}): TarItem[] {
  const manifest = {
    format: 'nsnap-snapshot',
    format_version: 1,
    collector: { name: 'test', version: '0' },
    label: 'unit',
    capture: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:01Z' },
    source: { live: false },
    view: { boot_id: 'b00710d0-0000-0000-0000-000000000001', hostname: 'testhost', self_pid: 1 },
    counts: { processes: overrides.count ?? 2 },
    denied: [],
    vanished: [],
    ...(overrides.manifest ?? {}),
  };
  const proc = (pid: number, ppid: number, nspid: number[], inode: number): TarItem[] => [
    { name: `${TOP}/proc/${pid}`, type: 'directory' },
    {
      name: `${TOP}/proc/${pid}/status`,
      content: `Name:\tsh\nPid:\t${pid}\nPPid:\t${ppid}\nUid:\t0\t0\t0\t0\nNSpid:\t${nspid.join('\t')}\n`,
    },
    { name: `${TOP}/proc/${pid}/stat`, content: `${pid} (sh) S ${ppid} 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${100 + pid} 0 0\n` },
    { name: `${TOP}/proc/${pid}/comm`, content: 'sh\n' },
    { name: `${TOP}/proc/${pid}/cmdline`, content: 'sh\0' },
    { name: `${TOP}/proc/${pid}/ns`, type: 'directory' },
    { name: `${TOP}/proc/${pid}/ns/pid`, type: 'symlink', linkname: `pid:[${inode}]` },
  ];
  return [
    { name: `${TOP}`, type: 'directory' },
    { name: `${TOP}/nsnap.json`, content: JSON.stringify(manifest) },
    { name: `${TOP}/proc`, type: 'directory' },
    { name: `${TOP}/proc/self`, type: 'symlink', linkname: '1' },
    ...proc(1, 0, [1], 4026531836),
    ...proc(40, 1, [40, 1], 4026532300),
    ...(overrides.extra ?? []),
  ];
}

export { TOP };
