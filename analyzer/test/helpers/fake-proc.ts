// Small fake /proc trees for model tests: each process is described by the facts the
// kernel would show, and written out as status/stat/cmdline/comm plus ns symlinks.

import { scratchDir } from './scratch.js';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeProc {
  pid: number;
  ppid: number;
  /** Omit for a kernel without NSpid. Defaults to [pid]. */
  nspid?: number[] | null;
  comm?: string;
  cmdline?: string[];
  starttime?: number;
  uid?: number;
  /** link name -> inode; links not listed are absent (denied). */
  ns?: Record<string, number>;
}

export interface FakeView {
  procs: FakeProc[];
  self?: number;
  bootId?: string | null;
  hostname?: string;
}

export function statusText(p: FakeProc): string {
  const nspid = p.nspid === undefined ? [p.pid] : p.nspid;
  const lines = [`Name:\t${p.comm ?? 'proc'}`, 'State:\tS (sleeping)', `Tgid:\t${p.pid}`, `Pid:\t${p.pid}`, `PPid:\t${p.ppid}`];
  const uid = p.uid ?? 0;
  lines.push(`Uid:\t${uid}\t${uid}\t${uid}\t${uid}`);
  if (nspid !== null) lines.push(`NSpid:\t${nspid.join('\t')}`);
  return `${lines.join('\n')}\n`;
}

export function statText(p: FakeProc): string {
  const fields = [
    'S',
    String(p.ppid),
    '0',
    '0',
    '0',
    '-1',
    '4194560',
    '0',
    '0',
    '0',
    '0',
    '0',
    '0',
    '0',
    '0',
    '20',
    '0',
    '1',
    '0',
    String(p.starttime ?? 1000 + p.pid),
  ];
  return `${p.pid} (${p.comm ?? 'proc'}) ${fields.join(' ')} 0 0\n`;
}

export function writeFakeProc(view: FakeView, dir?: string): string {
  const root = dir ?? scratchDir('nsnap-fake-');
  mkdirSync(root, { recursive: true });
  for (const p of view.procs) {
    const base = join(root, String(p.pid));
    mkdirSync(join(base, 'ns'), { recursive: true });
    writeFileSync(join(base, 'status'), statusText(p));
    writeFileSync(join(base, 'stat'), statText(p));
    writeFileSync(join(base, 'comm'), `${p.comm ?? 'proc'}\n`);
    writeFileSync(join(base, 'cmdline'), p.cmdline ? `${p.cmdline.join('\0')}\0` : '');
    for (const [link, inode] of Object.entries(p.ns ?? {})) {
      symlinkSync(`${link.replace('_for_children', '')}:[${inode}]`, join(base, 'ns', link));
    }
  }
  if (view.self !== undefined) symlinkSync(String(view.self), join(root, 'self'));
  if (view.bootId !== null) {
    mkdirSync(join(root, 'sys', 'kernel', 'random'), { recursive: true });
    writeFileSync(join(root, 'sys', 'kernel', 'random', 'boot_id'), `${view.bootId ?? '11111111-2222-3333-4444-555555555555'}\n`);
    writeFileSync(join(root, 'sys', 'kernel', 'hostname'), `${view.hostname ?? 'fakehost'}\n`);
    writeFileSync(join(root, 'sys', 'kernel', 'osrelease'), '6.1.0-test\n');
  }
  return root;
}

/** An extracted snapshot folder: a minimal valid manifest, the fake proc/ and optional lsns.json. */
export function writeFakeSnapshot(view: FakeView, extra: { lsns?: object[]; label?: string } = {}): string {
  const root = scratchDir('nsnap-fakesnap-');
  writeFakeProc(view, join(root, 'proc'));
  const withStatus = view.procs.length;
  const manifest = {
    format: 'nsnap-snapshot',
    format_version: 1,
    collector: { name: 'test', version: '0' },
    label: extra.label ?? 'fake',
    capture: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:00:01Z' },
    source: { live: false },
    view: { boot_id: view.bootId ?? '11111111-2222-3333-4444-555555555555', self_pid: view.self ?? null },
    lsns: extra.lsns ? { ran: true, exit_code: 0, file: 'lsns.json' } : { ran: false },
    counts: { processes: withStatus },
    denied: [],
    vanished: [],
  };
  writeFileSync(join(root, 'nsnap.json'), JSON.stringify(manifest));
  if (extra.lsns) writeFileSync(join(root, 'lsns.json'), JSON.stringify({ namespaces: extra.lsns }));
  return root;
}
