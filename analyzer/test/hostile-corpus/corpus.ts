// Builds the hostile corpus at test time: snapshots a stranger could send, each with what
// `nsnap validate` and `nsnap tree` must answer. Nothing here is committed as a binary.
//
// Exit codes: 0 only where the input is legitimately acceptable (`ok` says why), 1 for a
// readable but invalid snapshot, 2 for unusable input. `names` is the entry (or a piece of
// the message) the refusal must point at, besides the file.

import { scratchDir } from '../helpers/scratch.js';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { END, entryBytes, gnuLong, pax, tar, writeRepeatedGzip, type RawEntry } from './raw-tar.js';

export type Exit = 0 | 1 | 2;

export interface CorpusCase {
  name: string;
  /** The file or folder given to the CLI; extra views for multi-view cases. */
  inputs: string[];
  flags?: string[];
  validate: Exit;
  tree: Exit;
  /** Why exit 0 is right for this input (required when either expectation is 0). */
  ok?: string;
  /** Text the message must contain, besides the file name: the entry, the limit, the flag. */
  names?: string[];
  /** Text the message must not contain: a consequence repeated after its cause. */
  without?: string[];
  /** Also run `nsnap diff INPUT VALID` (always exit 2 when the input is refused). */
  diff?: boolean;
  /** CPU-heavy: measured alone, after the others, so the 10 s bound is not shared. */
  heavy?: boolean;
}

export const TOP = 'nsnap-corpus-20261129T000000Z';
const BOOT = 'b00710d0-0000-0000-0000-00000000c0de';

/** Deterministic bytes (xorshift32), so a failing case is the same on every run. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

interface Proc {
  pid: number;
  ppid: number;
  nspid?: number[] | null;
  inode?: number;
  comm?: string | Buffer;
  status?: string | Buffer;
  stat?: string | Buffer;
  cmdline?: Buffer;
}

function procEntries(p: Proc): RawEntry[] {
  const nspid = p.nspid === undefined ? [p.pid] : p.nspid;
  const comm = p.comm ?? 'sh';
  const status =
    p.status ??
    `Name:\t${comm.toString()}\nPid:\t${p.pid}\nPPid:\t${p.ppid}\nUid:\t0\t0\t0\t0\n${nspid === null ? '' : `NSpid:\t${nspid.join('\t')}\n`}`;
  const stat = p.stat ?? `${p.pid} (${comm.toString()}) S ${p.ppid} 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${100 + p.pid} 0 0\n`;
  return [
    { name: `${TOP}/proc/${p.pid}/`, flag: '5' },
    { name: `${TOP}/proc/${p.pid}/status`, body: status },
    { name: `${TOP}/proc/${p.pid}/stat`, body: stat },
    { name: `${TOP}/proc/${p.pid}/comm`, body: Buffer.concat([Buffer.from(comm), Buffer.from('\n')]) },
    { name: `${TOP}/proc/${p.pid}/cmdline`, body: p.cmdline ?? Buffer.from(`${comm.toString()}\0`) },
    { name: `${TOP}/proc/${p.pid}/ns/`, flag: '5' },
    { name: `${TOP}/proc/${p.pid}/ns/pid`, flag: '2', linkname: `pid:[${p.inode ?? 4026531836}]` },
  ];
}

const BASE_PROCS: Proc[] = [
  { pid: 1, ppid: 0 },
  { pid: 40, ppid: 1, nspid: [40, 1], inode: 4026532300 },
];

function manifest(over: Record<string, unknown> = {}, count = 2): Record<string, unknown> {
  return {
    format: 'nsnap-snapshot',
    format_version: 1,
    collector: { name: 'corpus', version: '0' },
    label: 'corpus',
    capture: { start: '2026-11-29T00:00:00Z', end: '2026-11-29T00:00:01Z' },
    source: { live: false },
    view: { boot_id: BOOT, hostname: 'corpushost', self_pid: 1 },
    counts: { processes: count },
    denied: [],
    vanished: [],
    ...over,
  };
}

interface SnapOptions {
  manifest?: Record<string, unknown> | string | Buffer | null;
  procs?: Proc[];
  /** Entries inserted before the processes (right after the manifest). */
  early?: RawEntry[];
  /** Entries after the processes. */
  extra?: RawEntry[];
  end?: boolean;
}

/** The entries of a small snapshot (two processes, one nested PID namespace), plus hostile extras. */
function snapEntries(o: SnapOptions = {}): RawEntry[] {
  const procs = o.procs ?? BASE_PROCS;
  const m = o.manifest === undefined ? manifest({}, procs.length) : o.manifest;
  const body = m === null ? null : typeof m === 'string' || Buffer.isBuffer(m) ? m : JSON.stringify(m);
  return [
    { name: `${TOP}/`, flag: '5' },
    ...(body === null ? [] : [{ name: `${TOP}/nsnap.json`, body }]),
    ...(o.early ?? []),
    { name: `${TOP}/proc/`, flag: '5' },
    { name: `${TOP}/proc/self`, flag: '2', linkname: '1' },
    ...procs.flatMap(procEntries),
    ...(o.extra ?? []),
  ];
}

function snapTar(o: SnapOptions = {}): Buffer {
  return tar(snapEntries(o), o.end ?? true);
}

export async function buildCorpus(): Promise<{ dir: string; cases: CorpusCase[]; valid: string }> {
  const dir = scratchDir('nsnap-corpus-');
  const cases: CorpusCase[] = [];
  let n = 0;
  const file = (name: string, data: Buffer): string => {
    n += 1;
    const path = join(dir, `${String(n).padStart(3, '0')}-${name}`);
    writeFileSync(path, data);
    return path;
  };
  const gz = (name: string, data: Buffer): string => file(`${name}.tar.gz`, gzipSync(data));
  const add = (c: CorpusCase): void => {
    if ((c.validate === 0 || c.tree === 0) && c.ok === undefined) throw new Error(`${c.name}: exit 0 needs a reason`);
    cases.push(c);
  };
  const valid = gz('valid', snapTar());
  const validTar = snapTar();

  // --- the container: gzip and tar -------------------------------------------------
  add({
    name: 'the untouched base snapshot',
    inputs: [valid],
    validate: 0,
    tree: 0,
    ok: 'the control: a well-formed snapshot',
    diff: true,
  });
  add({
    name: 'not gzip',
    inputs: [file('hello.tar.gz', Buffer.from('hello, this is not gzip\n'))],
    validate: 2,
    tree: 2,
    names: ['not a gzip file'],
    diff: true,
  });
  add({
    name: 'empty file',
    inputs: [file('empty.tar.gz', Buffer.alloc(0))],
    validate: 2,
    tree: 2,
    names: ['not a gzip file'],
    diff: true,
  });
  add({
    name: 'gzip of nothing',
    inputs: [file('nothing.tar.gz', gzipSync(Buffer.alloc(0)))],
    validate: 2,
    tree: 2,
    names: ['no entries'],
  });
  add({
    name: 'gzip of text, not tar',
    inputs: [gz('text', Buffer.from('x'.repeat(4096)))],
    validate: 2,
    tree: 2,
    names: ['not a tar archive', 'entry 1'],
    diff: true,
  });
  add({ name: 'gzip of random bytes', inputs: [gz('random', noise(64 * 1024, 7))], validate: 2, tree: 2, names: ['not a tar archive'] });
  add({
    name: 'gzip magic, then random bytes',
    inputs: [file('magic-random.tar.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), noise(8192, 11)]))],
    validate: 2,
    tree: 2,
    names: ['gzip'],
  });
  add({
    name: 'zero-entry tar (only the end-of-archive marker)',
    inputs: [gz('zero-entries', END)],
    validate: 1,
    tree: 1,
    names: ['empty archive'],
    // The file is named once, and the missing manifest is no second problem.
    without: ['zero-entries.tar.gz: zero-entries.tar.gz', 'no nsnap.json'],
  });
  add({
    name: 'only the top folder',
    inputs: [gz('top-only', tar([{ name: `${TOP}/`, flag: '5' }]))],
    validate: 1,
    tree: 1,
    // The cause first (issue 15): no manifest means no snapshot at all.
    names: ['not an nsnap snapshot', 'no nsnap.json'],
  });
  for (const blocks of [1, 3]) {
    add({
      name: `tar truncated after ${blocks} block(s)`,
      inputs: [gz(`cut-${blocks}`, validTar.subarray(0, blocks * 512))],
      validate: 2,
      tree: 2,
      names: ['tar archive'],
    });
  }
  const half = Math.floor(validTar.length / 1024) * 512;
  add({
    name: 'tar truncated half way, on a block boundary',
    inputs: [gz('cut-half', validTar.subarray(0, half))],
    validate: 2,
    tree: 2,
    names: ['tar archive'],
  });
  add({
    name: 'tar truncated inside a header',
    inputs: [gz('cut-mid-header', validTar.subarray(0, 512 * 2 + 100))],
    validate: 2,
    tree: 2,
    names: ['truncated'],
  });
  add({
    name: 'tar without its end-of-archive marker',
    inputs: [gz('no-marker', validTar.subarray(0, validTar.length - 1024))],
    validate: 2,
    tree: 2,
    names: ['end-of-archive marker'],
  });
  add({
    name: 'tar with one zero block instead of two',
    inputs: [gz('one-zero-block', validTar.subarray(0, validTar.length - 512))],
    validate: 0,
    tree: 0,
    ok: 'GNU tar itself accepts a single zero block as the end; every entry is complete',
  });
  const validGz = gzipSync(validTar);
  for (const [label, cut] of [
    ['10 bytes', 10],
    ['half', Math.floor(validGz.length / 2)],
    ['the last 4 bytes (size)', validGz.length - 4],
  ] as const) {
    add({
      name: `gzip stream cut: ${label}`,
      inputs: [file(`gzcut-${cut}.tar.gz`, validGz.subarray(0, cut))],
      validate: 2,
      tree: 2,
      names: ['truncated'],
    });
  }
  const badCrc = Buffer.from(validGz);
  badCrc[badCrc.length - 8] = (badCrc[badCrc.length - 8] as number) ^ 0xff;
  add({ name: 'gzip with a wrong CRC', inputs: [file('bad-crc.tar.gz', badCrc)], validate: 2, tree: 2, names: ['gzip'] });
  add({
    name: 'gzip followed by trailing garbage',
    inputs: [file('trailing.tar.gz', Buffer.concat([validGz, noise(100, 3)]))],
    validate: 2,
    tree: 2,
    names: ['gzip'],
  });

  // --- headers --------------------------------------------------------------------
  const entries = snapEntries();
  const withEntry = (i: number, e: Partial<RawEntry>): Buffer => tar(entries.map((x, j) => (j === i ? { ...x, ...e } : x)));
  add({
    name: 'bad checksum on the first header',
    inputs: [gz('sum-first', withEntry(0, { badChecksum: true }))],
    validate: 2,
    tree: 2,
    names: ['checksum', 'entry 1'],
  });
  add({
    name: 'bad checksum on the fifth header',
    inputs: [gz('sum-fifth', withEntry(4, { badChecksum: true }))],
    validate: 2,
    tree: 2,
    names: ['checksum', 'entry 5'],
  });
  add({
    name: 'checksum field that is not octal',
    inputs: [gz('sum-text', withEntry(2, { checksumField: Buffer.from('9zz9zz\0 ') }))],
    validate: 2,
    tree: 2,
    names: ['checksum', 'entry 3'],
  });
  add({
    name: 'size field that is not octal',
    inputs: [gz('size-text', withEntry(1, { sizeField: Buffer.from('12x4567\0\0\0\0\0') }))],
    validate: 2,
    tree: 2,
    names: ['size', 'entry 2'],
  });
  add({
    name: 'size field smaller than the body (the manifest is cut, the blocks stay aligned)',
    inputs: [gz('size-short', withEntry(1, { size: 3 }))],
    validate: 1,
    tree: 1,
    names: ['nsnap.json', 'not valid JSON'],
  });
  add({
    name: 'size field larger than the archive',
    inputs: [gz('size-long', tar([...entries, { name: `${TOP}/proc/1/cgroup`, size: 100_000, body: '0::/\n' }]))],
    validate: 2,
    tree: 2,
    names: ['truncated', 'proc/1/cgroup'],
  });
  const huge8g = { name: `${TOP}/proc/1/cgroup`, size: 0o77777777777 };
  add({
    name: 'one entry whose header claims 8 GiB',
    inputs: [gz('huge-octal', tar([...entries, huge8g], false))],
    validate: 2,
    tree: 2,
    names: ['proc/1/cgroup', 'size of one entry', '--max-entry-size'],
  });
  add({
    name: 'base-256 size beyond 2^53',
    inputs: [
      gz(
        'huge-b256',
        tar(
          [
            ...entries,
            { name: `${TOP}/proc/1/cgroup`, sizeField: Buffer.from([0x80, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) },
          ],
          false,
        ),
      ),
    ],
    validate: 2,
    tree: 2,
    names: ['size too large'],
  });
  add({
    name: 'base-256 negative size',
    inputs: [gz('neg-b256', tar([...entries, { name: `${TOP}/proc/1/cgroup`, sizeField: Buffer.alloc(12, 0xff) }], false))],
    validate: 2,
    tree: 2,
    names: ['negative size'],
  });
  add({
    name: 'base-256 size of 1 GiB (legal encoding, over the entry limit)',
    inputs: [
      gz(
        'b256-1g',
        tar([...entries, { name: `${TOP}/proc/1/cgroup`, sizeField: Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0]) }], false),
      ),
    ],
    validate: 2,
    tree: 2,
    names: ['proc/1/cgroup', '--max-entry-size'],
  });

  // --- pax and GNU long names -----------------------------------------------------
  const paxCase = (
    name: string,
    records: Array<[string, string] | string>,
    exit: Exit,
    names: string[],
    target: RawEntry = { name: `${TOP}/proc/1/cgroup`, body: '0::/\n' },
  ): void => {
    const t = tar([...entries, pax(records), target]);
    add({ name, inputs: [gz(name.replace(/[^a-z0-9]+/gi, '-').toLowerCase(), t)], validate: exit, tree: exit, names });
  };
  paxCase('pax record with a huge length', ['99999999999999999999 path=x\n'], 2, ['malformed pax record']);
  paxCase('pax record with a negative length', ['-12 path=abc\n'], 2, ['malformed pax record']);
  paxCase('pax record with a non-numeric length', ['abc path=x\n'], 2, ['malformed pax record']);
  paxCase('pax record with length zero', ['0 path=x\n'], 2, ['malformed pax record']);
  paxCase('pax record longer than its header', ['200 path=x\n'], 2, ['malformed pax record']);
  paxCase('pax size beyond 15 digits', [['size', '99999999999999999999']], 2, ['malformed pax size']);
  paxCase('pax size negative', [['size', '-1']], 2, ['malformed pax size']);
  paxCase('pax size not a number', [['size', '0x10']], 2, ['malformed pax size']);
  paxCase('pax size of 1 TB', [['size', '1000000000000']], 2, ['proc/1/cgroup', '--max-entry-size']);
  paxCase('pax path with a NUL', [['path', `${TOP}/proc/1/cgr\0oup`]], 1, ['control character']);
  paxCase('pax path absolute', [['path', '/etc/passwd']], 1, ['absolute path']);
  paxCase('pax path of 5000 characters', [['path', `${TOP}/${'a'.repeat(5000)}`]], 1, ['longer than 1024']);
  paxCase('pax linkpath to the host on a symlink', [['linkpath', '/etc/shadow']], 1, ['proc/1/ns/net'], {
    name: `${TOP}/proc/1/ns/net`,
    flag: '2',
    linkname: 'net:[4026531840]',
  });
  add({
    name: 'pax header of 1 MiB',
    inputs: [gz('pax-1m', tar([...entries, pax([['comment', 'x'.repeat(1 << 20)]]), { name: `${TOP}/proc/1/cgroup`, body: '0::/\n' }]))],
    validate: 2,
    tree: 2,
    names: ['pax header of'],
  });
  add({
    name: 'pax global header (ignored)',
    inputs: [gz('pax-global', tar([...entries, pax([['comment', 'hello']], 'g')]))],
    validate: 0,
    tree: 0,
    ok: 'a global pax header only carries defaults; nothing in it is used',
  });
  const chain: RawEntry[] = [];
  for (let i = 0; i < 2000; i += 1) chain.push(gnuLong(`${TOP}/proc/1/${'n'.repeat(200)}${i}`));
  add({
    name: 'GNU long-name chain of 2000 headers ending in a 2000-character name',
    inputs: [gz('gnu-chain', tar([...entries, ...chain, gnuLong(`${TOP}/${'z'.repeat(2000)}`), { name: 'short', body: 'x' }]))],
    validate: 1,
    tree: 1,
    names: ['longer than 1024'],
  });
  add({
    name: 'GNU long name of 1 MiB',
    inputs: [gz('gnu-1m', tar([...entries, gnuLong('a'.repeat(1 << 20)), { name: 'short', body: 'x' }]))],
    validate: 2,
    tree: 2,
    names: ['gnu-long-name header of'],
  });
  add({
    name: 'GNU long link without a terminating NUL on a symlink',
    inputs: [
      gz(
        'gnu-link',
        tar([
          ...entries,
          { name: '././@LongLink', flag: 'K', body: '../'.repeat(300) },
          { name: `${TOP}/proc/1/ns/net`, flag: '2', linkname: 'x' },
        ]),
      ),
    ],
    validate: 1,
    tree: 1,
    names: ['proc/1/ns/net', 'not a namespace link'],
  });
  add({
    name: 'GNU long name left dangling at the end of the archive',
    inputs: [gz('gnu-dangling', tar([...entries, gnuLong(`${TOP}/proc/1/cgroup`)]))],
    validate: 0,
    tree: 0,
    ok: 'a long-name header with no entry after it names nothing; every real entry is valid',
  });
  for (const flag of ['Z', 'S', '\u00ff']) {
    add({
      name: `unknown type flag '${flag === '\u00ff' ? '\\xff' : flag}'`,
      inputs: [gz(`type-${flag.charCodeAt(0)}`, tar([...entries, { name: `${TOP}/proc/1/cgroup`, flag, body: 'zzz' }]))],
      validate: 1,
      tree: 1,
      names: ['proc/1/cgroup', 'unknown entry type'],
    });
  }

  // --- names and entry types ------------------------------------------------------
  const one = (name: string, e: RawEntry, exit: Exit, names: string[], extra: Partial<CorpusCase> = {}): void =>
    add({
      name,
      inputs: [
        gz(
          name
            .replace(/[^a-z0-9]+/gi, '-')
            .toLowerCase()
            .slice(0, 40),
          tar([...entries, e]),
        ),
      ],
      validate: exit,
      tree: exit,
      names,
      ...extra,
    });
  one('duplicate status', { name: `${TOP}/proc/1/status`, body: 'Name:\tevil\nPid:\t1\nPPid:\t0\n' }, 1, ['proc/1/status', 'duplicate']);
  add({
    name: 'manifest that is a FIFO',
    inputs: [
      gz('fifo-manifest', tar([...entries.filter((e) => e.name !== `${TOP}/nsnap.json`), { name: `${TOP}/nsnap.json`, flag: '6' }])),
    ],
    validate: 1,
    tree: 1,
    names: ['nsnap.json', 'fifo'],
    // What nsnap.json is, not that it is missing.
    without: ['no nsnap.json'],
  });
  one('duplicate manifest', { name: `${TOP}/nsnap.json`, body: '{}' }, 1, ['nsnap.json', 'duplicate']);
  one('absolute path', { name: '/etc/passwd', body: 'root:x:0:0' }, 1, ['/etc/passwd', 'absolute path']);
  one('dot-dot path', { name: `${TOP}/proc/../../../etc/cron.d/x`, body: '* * * * * root sh' }, 1, ['..']);
  one('backslash path', { name: `${TOP}\\..\\x`, body: 'x' }, 1, ['backslash']);
  one('name that is only dots and slashes', { name: './././', flag: '5' }, 1, ['empty name']);
  one('control characters in a name', { name: `${TOP}/proc/1/\u001b]0;pwned\u0007`, body: 'x' }, 1, ['control character']);
  one('invalid UTF-8 in a name', { name: Buffer.concat([Buffer.from(`${TOP}/proc/1/`), Buffer.from([0xff, 0xfe, 0xc0])]), body: 'x' }, 1, [
    'unexpected entry',
  ]);
  one('deep path (12 levels)', { name: `${TOP}/${'d/'.repeat(11)}f`, body: 'x' }, 2, ['path depth', '--max-path-depth']);
  one('name of 229 bytes through the ustar prefix', { name: `${TOP}/proc/1/${'p'.repeat(100)}/${'q'.repeat(90)}`, body: 'x' }, 1, [
    'unexpected entry',
  ]);
  one('outside the top folder', { name: 'other-top/nsnap.json', body: '{}' }, 1, ['outside the top folder']);
  one('hard link to the manifest', { name: `${TOP}/proc/1/cgroup`, flag: '1', linkname: `${TOP}/nsnap.json` }, 1, [
    'proc/1/cgroup',
    "entry type 'link'",
  ]);
  one('hard link to /etc/shadow', { name: `${TOP}/proc/40/cgroup`, flag: '1', linkname: '/etc/shadow' }, 1, [
    'proc/40/cgroup',
    "entry type 'link'",
  ]);
  one('character device', { name: `${TOP}/proc/1/cgroup`, flag: '3' }, 1, ['proc/1/cgroup', 'character-device']);
  one('block device', { name: `${TOP}/proc/1/cgroup`, flag: '4' }, 1, ['proc/1/cgroup', 'block-device']);
  one('FIFO', { name: `${TOP}/proc/1/cgroup`, flag: '6' }, 1, ['proc/1/cgroup', 'fifo']);
  one('symlink to /etc/shadow', { name: `${TOP}/proc/1/cgroup`, flag: '2', linkname: '/etc/shadow' }, 1, ['proc/1/cgroup', 'regular file']);
  one('symlink loop on a file entry', { name: `${TOP}/proc/1/cgroup`, flag: '2', linkname: 'cgroup' }, 1, [
    'proc/1/cgroup',
    'regular file',
  ]);
  one('ns link with a 2^64 inode', { name: `${TOP}/proc/1/ns/net`, flag: '2', linkname: 'net:[18446744073709551616]' }, 1, [
    'proc/1/ns/net',
    'not a namespace link',
  ]);
  one('ns link pointing up the tree', { name: `${TOP}/proc/1/ns/net`, flag: '2', linkname: '../../../../etc' }, 1, [
    'proc/1/ns/net',
    'not a namespace link',
  ]);
  one('ns link with control characters', { name: `${TOP}/proc/1/ns/net`, flag: '2', linkname: 'net:[1]\u001b[2J' }, 1, ['proc/1/ns/net']);
  one('unknown ns link name', { name: `${TOP}/proc/1/ns/evil`, flag: '2', linkname: 'net:[4026531840]' }, 1, [
    'proc/1/ns/evil',
    'unknown namespace link',
  ]);
  one('manifest as a symlink to /etc/passwd', { name: `${TOP}/wslconfig`, flag: '2', linkname: '/etc/passwd' }, 1, [
    'wslconfig',
    'regular file',
  ]);
  add({
    name: 'proc/self pointing out of the snapshot',
    inputs: [gz('self-out', tar(entries.map((e) => (e.name === `${TOP}/proc/self` ? { ...e, linkname: '../../..' } : e))))],
    validate: 1,
    tree: 1,
    names: ['proc/self', 'not a PID'],
  });

  // --- limits ---------------------------------------------------------------------
  {
    // Decompression bomb: 16 MiB files of zeros repeated 640 times, 10 GiB of tar from
    // about 10 MB of gzip (deflate cannot beat ~1030:1, so 1 MB cannot hold 10 GiB).
    const unitBody = 16 * 1024 * 1024 - 512;
    const unit = entryBytes({ name: `${TOP}/proc/1/cgroup`, size: unitBody, body: Buffer.alloc(unitBody) });
    const path = join(dir, 'bomb.tar.gz');
    const prefix = tar(entries, false);
    const { expanded } = writeRepeatedGzip(path, prefix, unit, 640, END);
    if (expanded < 10 * 1024 ** 3) throw new Error('the bomb is too small');
    add({
      name: 'decompression bomb: ~10 MB of gzip, 10 GiB of tar (default limits)',
      inputs: [path],
      validate: 2,
      tree: 2,
      names: ['total uncompressed bytes', '--max-total-bytes'],
      heavy: true,
    });
  }
  {
    const tiny = { name: `${TOP}/proc/`, flag: '5' };
    const tinyTar = tar([...entries, ...Array.from({ length: 5000 }, () => tiny)]);
    add({
      name: '5000 tiny entries over --max-entries 1000',
      inputs: [gz('tiny-5000', tinyTar)],
      flags: ['--max-entries', '1000'],
      validate: 2,
      tree: 2,
      names: ['number of entries', '--max-entries'],
    });
    // Default limit: 4,000,000 entries. One unit is 1024 identical headers (512 KiB).
    const unit = Buffer.concat(Array.from({ length: 1024 }, () => entryBytes(tiny)));
    const path = join(dir, 'tiny-4m.tar.gz');
    writeRepeatedGzip(path, tar(entries, false), unit, Math.ceil(4_000_001 / 1024), END);
    add({
      name: '4.1 million tiny entries (default --max-entries)',
      inputs: [path],
      validate: 2,
      tree: 2,
      names: ['number of entries', '--max-entries'],
      heavy: true,
    });
  }
  add({
    name: 'total size over a lowered --max-total-bytes',
    inputs: [gz('total-small', tar([...entries, { name: `${TOP}/proc/1/cgroup`, body: Buffer.alloc(8192, 'c') }]))],
    flags: ['--max-total-bytes', '4096'],
    validate: 2,
    tree: 2,
    names: ['total uncompressed bytes', '--max-total-bytes'],
  });

  // --- content: the kernel formats --------------------------------------------------
  const content = (name: string, procs: Proc[], exit: Exit, names: string[], extra: Partial<CorpusCase> = {}): void =>
    add({
      name,
      inputs: [
        gz(
          name
            .replace(/[^a-z0-9]+/gi, '-')
            .toLowerCase()
            .slice(0, 40),
          snapTar({ procs }),
        ),
      ],
      validate: exit,
      tree: exit,
      names,
      ...extra,
    });
  content(
    'status without NSpid',
    [
      { pid: 1, ppid: 0, nspid: null },
      { pid: 40, ppid: 1, nspid: null },
    ],
    0,
    [],
    {
      ok: 'kernels before 4.1 have no NSpid; the processes are placed in the view’s namespace (MISSING_NSPID)',
    },
  );
  content('NSpid with 40 entries', [...BASE_PROCS, { pid: 77, ppid: 1, nspid: [77, ...Array.from({ length: 39 }, (_, i) => 39 - i)] }], 1, [
    'proc/77/status',
    'NSpid',
  ]);
  content(
    'Pid of 2^64',
    [BASE_PROCS[0] as Proc, { pid: 40, ppid: 1, status: 'Name:\tx\nPid:\t18446744073709551616\nPPid:\t1\nNSpid:\t40\n' }],
    1,
    ['proc/40/status', 'Pid'],
  );
  content('negative PPid', [BASE_PROCS[0] as Proc, { pid: 40, ppid: 1, status: 'Name:\tx\nPid:\t40\nPPid:\t-1\nNSpid:\t40\n' }], 1, [
    'proc/40/status',
    'PPid',
  ]);
  content(
    'non-numeric NSpid',
    [BASE_PROCS[0] as Proc, { pid: 40, ppid: 1, status: 'Name:\tx\nPid:\t40\nPPid:\t1\nNSpid:\t40\tone\n' }],
    1,
    ['proc/40/status', 'NSpid'],
  );
  content(
    'NSpid of 2^64',
    [BASE_PROCS[0] as Proc, { pid: 40, ppid: 1, status: 'Name:\tx\nPid:\t40\nPPid:\t1\nNSpid:\t40\t18446744073709551616\n' }],
    1,
    ['proc/40/status', 'NSpid'],
  );
  content(
    'stat starttime of 2^64',
    [BASE_PROCS[0] as Proc, { pid: 40, ppid: 1, stat: '40 (sh) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616 0 0\n' }],
    1,
    ['proc/40/stat'],
  );
  content('stat that is only a comm', [BASE_PROCS[0] as Proc, { pid: 40, ppid: 1, stat: '40 (sh' }], 1, ['proc/40/stat']);
  content(
    'stat with ) and newlines in comm',
    [
      BASE_PROCS[0] as Proc,
      { pid: 40, ppid: 1, nspid: [40, 1], inode: 4026532300, stat: '40 (a) b\n) c) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 140 0 0\n' },
    ],
    0,
    [],
    {
      ok: 'a comm may hold any byte but NUL; stat is split at the last )',
    },
  );
  content('10 MB cmdline', [BASE_PROCS[0] as Proc, { ...(BASE_PROCS[1] as Proc), cmdline: Buffer.alloc(10 * 1024 * 1024, 'a\0') }], 0, [], {
    ok: 'under the 16 MiB entry limit; the cmdline is decoded capped at 256 arguments and 8192 characters',
  });
  content(
    'invalid UTF-8 in comm, status and cmdline',
    [
      BASE_PROCS[0] as Proc,
      { ...(BASE_PROCS[1] as Proc), comm: Buffer.from([0xff, 0xc0, 0x80, 0x41]), cmdline: Buffer.from([0xed, 0xa0, 0x80, 0, 0xf8, 0x88]) },
    ],
    0,
    [],
    {
      ok: 'process names are bytes; they are decoded lossily (U+FFFD) and escaped on output',
    },
  );
  content(
    'PPid cycle',
    [
      { pid: 1, ppid: 0 },
      { pid: 40, ppid: 41 },
      { pid: 41, ppid: 40 },
    ],
    0,
    [],
    {
      ok: 'a cycle is a diagnostic (PPID_CYCLE): the model cuts it and still draws the tree',
    },
  );
  content(
    'init that is its own parent',
    [
      { pid: 1, ppid: 1 },
      { pid: 40, ppid: 1 },
    ],
    0,
    [],
    {
      ok: 'INIT_SELF_PARENT is a diagnostic; the process is a root',
    },
  );
  content(
    'two PID 1 in one namespace',
    [
      { pid: 1, ppid: 0 },
      { pid: 40, ppid: 1, nspid: [40, 1], inode: 4026532300 },
      { pid: 41, ppid: 1, nspid: [41, 1], inode: 4026532300 },
    ],
    0,
    [],
    {
      ok: 'DUPLICATE_INIT is a diagnostic on a merged model, not a format violation',
    },
  );
  content(
    '20,000 processes in a PPid chain',
    Array.from({ length: 20_000 }, (_, i) => ({ pid: i + 1, ppid: i })),
    0,
    [],
    {
      ok: 'deep but legal: a chain of forks; the tree is drawn without recursion and with a capped indent',
    },
  );

  // --- the manifest -----------------------------------------------------------------
  const man = (name: string, m: SnapOptions['manifest'], exit: Exit, names: string[], extra: Partial<CorpusCase> = {}): void =>
    add({
      name,
      inputs: [
        gz(
          name
            .replace(/[^a-z0-9]+/gi, '-')
            .toLowerCase()
            .slice(0, 40),
          snapTar({ manifest: m }),
        ),
      ],
      validate: exit,
      tree: exit,
      names,
      ...extra,
    });
  man(
    'manifest with __proto__ and constructor keys',
    `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(manifest()).slice(1)}`,
    0,
    [],
    {
      ok: 'unknown top-level fields are ignored by the format (docs/format.md); JSON.parse keeps __proto__ an inert own key',
    },
  );
  man(
    'manifest counts hidden behind __proto__',
    JSON.stringify(manifest()).replace('"counts":{"processes":2}', '"counts":{"__proto__":{"processes":2}}'),
    1,
    ['nsnap.json', 'counts'],
  );
  man('manifest with wrong types', manifest({ format_version: '1', counts: { processes: '2' }, vanished: 'none' }), 1, [
    'nsnap.json',
    'format_version',
  ]);
  man(
    'manifest with extra fields',
    manifest({ future: { anything: [1, 2, 3] }, view: { boot_id: BOOT, hostname: 'corpushost', self_pid: 1, extra: true } }),
    0,
    [],
    {
      ok: 'readers ignore fields they do not know (docs/format.md: fields may be added)',
    },
  );
  man('missing manifest', null, 1, ['nsnap.json', 'missing']);
  man('manifest that is not JSON', '{"format": "nsnap-snapshot", oops', 1, ['nsnap.json', 'not valid JSON']);
  man('manifest that is a JSON string', '"nsnap"', 1, ['nsnap.json']);
  man('manifest nested 100,000 levels deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 1, ['nsnap.json']);
  man('manifest of invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 1, ['nsnap.json']);
  man('manifest with a negative process count', manifest({ counts: { processes: -1 } }), 1, ['nsnap.json', 'counts']);
  man('manifest with a 2^64 self_pid', JSON.stringify(manifest()).replace('"self_pid":1', '"self_pid":18446744073709551616'), 1, [
    'nsnap.json',
    'self_pid',
  ]);

  // --- several views of one boot ------------------------------------------------------
  {
    const a = gz(
      'view-a',
      snapTar({ manifest: manifest({ view: { boot_id: BOOT, hostname: 'alpha', self_pid: 1, kernel: { release: '6.6.1' } } }) }),
    );
    const b = gz(
      'view-b',
      snapTar({
        manifest: manifest({ view: { boot_id: BOOT, hostname: 'beta', self_pid: 1, kernel: { release: '5.15.0' } } }),
        procs: [
          { pid: 1, ppid: 0, nspid: [1], inode: 4026532300 },
          { pid: 40, ppid: 1, nspid: [40], inode: 4026532300 },
        ],
      }),
    );
    add({
      name: 'two views of one boot with contradictory kernels, hostnames and PIDs',
      inputs: [a, b],
      validate: 0,
      tree: 0,
      ok: 'same boot id: merged, and the contradiction is reported as VIEWS_CONTRADICT',
    });
    const c = gz(
      'view-c',
      snapTar({ manifest: manifest({ view: { boot_id: 'b00710d0-0000-0000-0000-0000000000ff', hostname: 'gamma', self_pid: 1 } }) }),
    );
    add({
      name: 'two views of different boots',
      inputs: [a, c],
      validate: 0,
      tree: 2,
      ok: 'each view on its own is valid (validate); only merging is refused',
      names: ['different boot ids', '--same-boot'],
    });
    add({ name: 'the same view twice', inputs: [a, a], validate: 0, tree: 0, ok: 'one capture named twice merges with itself' });
  }

  // --- folders ----------------------------------------------------------------------
  {
    const root = join(dir, 'folder-loops', TOP);
    mkdirSync(join(root, 'proc', '1', 'ns'), { recursive: true });
    writeFileSync(join(root, 'nsnap.json'), JSON.stringify(manifest({}, 1)));
    writeFileSync(join(root, 'proc', '1', 'status'), 'Name:\tsh\nPid:\t1\nPPid:\t0\nNSpid:\t1\n');
    symlinkSync('pid:[4026531836]', join(root, 'proc', '1', 'ns', 'pid'));
    symlinkSync('1', join(root, 'proc', 'self'));
    symlinkSync('loop', join(root, 'loop'));
    symlinkSync('.', join(root, 'proc', '2'));
    symlinkSync('../..', join(root, 'proc', '1', 'root'));
    symlinkSync('stat', join(root, 'proc', '1', 'stat'));
    add({ name: 'snapshot folder with symlink loops', inputs: [join(dir, 'folder-loops')], validate: 1, tree: 1, names: ['loop'] });
    const selfLoop = join(dir, 'self-loop');
    symlinkSync(selfLoop, selfLoop);
    add({ name: 'input that is a symlink loop', inputs: [selfLoop], validate: 2, tree: 2, names: ['ELOOP'] });
  }
  {
    const root = join(dir, 'folder-fifo');
    mkdirSync(join(root, 'proc', '1'), { recursive: true });
    execFileSync('mkfifo', [join(root, 'nsnap.json'), join(root, 'proc', '1', 'status')]);
    add({ name: 'snapshot folder whose manifest and status are FIFOs', inputs: [root], validate: 1, tree: 1, names: ['nsnap.json'] });
  }
  {
    const root = join(dir, 'folder-sparse');
    mkdirSync(join(root, 'proc', '1'), { recursive: true });
    writeFileSync(join(root, 'nsnap.json'), JSON.stringify(manifest({}, 1)));
    writeFileSync(join(root, 'proc', '1', 'cmdline'), '');
    truncateSync(join(root, 'proc', '1', 'cmdline'), 10 * 1024 ** 3);
    add({
      name: 'snapshot folder with a sparse 10 GiB cmdline',
      inputs: [root],
      validate: 2,
      tree: 2,
      names: ['proc/1/cmdline', '--max-entry-size'],
    });
  }
  {
    const root = join(dir, 'folder-utf8');
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'nsnap.json'), JSON.stringify(manifest({}, 0)));
    writeFileSync(Buffer.from(`${root}/proc/bad-\xff-name`, 'latin1'), 'x');
    add({ name: 'snapshot folder with a file name that is not UTF-8', inputs: [root], validate: 1, tree: 1, names: ['proc/bad-'] });
  }
  {
    // A folder laid out like /proc (what tar -xf of a hostile snapshot leaves behind).
    const root = join(dir, 'procdir-hostile');
    mkdirSync(join(root, '1', 'ns'), { recursive: true });
    mkdirSync(join(root, '2', 'ns'), { recursive: true });
    mkdirSync(join(root, '3', 'ns'), { recursive: true });
    writeFileSync(join(root, '1', 'status'), 'Name:\tinit\nPid:\t1\nPPid:\t0\nNSpid:\t1\n');
    execFileSync('mkfifo', [join(root, '1', 'stat')]);
    symlinkSync('/dev/zero', join(root, '1', 'cmdline'));
    symlinkSync('/etc/shadow', join(root, '1', 'comm'));
    symlinkSync('cgroup', join(root, '1', 'cgroup'));
    writeFileSync(join(root, '2', 'status'), 'Name:\tsh\nPid:\t2\nPPid:\t1\nNSpid:\t2\n');
    writeFileSync(join(root, '2', 'cmdline'), '');
    truncateSync(join(root, '2', 'cmdline'), 3 * 1024 ** 3);
    symlinkSync('/dev/zero', join(root, '3', 'status'));
    add({
      name: 'folder like /proc with a FIFO, /dev/zero, /etc/shadow, a loop and a 3 GiB sparse file',
      inputs: [root],
      validate: 0,
      tree: 0,
      ok: 'a /proc-like folder records unreadable files as failed reads, the way the collector does; only regular files are read, capped',
    });
  }
  return { dir, cases, valid };
}
