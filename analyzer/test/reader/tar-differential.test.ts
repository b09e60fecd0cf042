// The hand-written tar walker against a reference parser. fast-check makes random
// archives (POSIX ustar with name prefixes, pax extended headers, GNU long names and
// links, old-GNU headers whose prefix field holds access and change times, v7 headers,
// base-256 sizes, pax globals) and feeds the same bytes, cut at the same random places,
// to TarWalker and to tar-stream's extract. Both must report the same entries: name,
// type, link target and content. Also the regressions the comparison first found.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import tar from 'tar-stream';
import { BLOCK, decodeHeader, HeaderError, parsePax } from '../../src/archive/tar-header.js';
import { TarWalker } from '../../src/archive/tar-walker.js';
import type { Limits } from '../../src/archive/limits.js';

const RUNS = Number(process.env.NSNAP_FUZZ_RUNS ?? 150);
const LIMITS: Limits = { maxTotalBytes: 1 << 30, maxEntries: 1 << 20, maxEntrySize: 1 << 24, maxPathDepth: 64 };

type Magic = 'posix' | 'gnu' | 'v7';
type LongName = 'plain' | 'prefix' | 'pax' | 'gnu';

interface Spec {
  flag: string;
  name: string;
  linkname: string;
  body: Buffer;
  magic: Magic;
  longName: LongName;
  paxSize: boolean;
  base256: boolean;
  paxExtra: Array<[string, string]>;
  globalBefore: boolean;
  /** Digits for the old-GNU atime/ctime fields (bytes 345..368). */
  times: string;
}

interface Seen {
  name: string;
  type: string;
  linkname: string;
  data: string | null;
}

// --- a byte-level writer, so that every header variant can be made ----------------

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function rawHeader(o: {
  name: Buffer;
  prefix?: Buffer;
  flag: string;
  size: number;
  linkname?: Buffer;
  magic: Magic;
  times?: string;
  base256?: boolean;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  o.name.copy(h, 0, 0, Math.min(100, o.name.length));
  h.write(octal(0o644, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  if (o.base256) {
    h[124] = 0x80;
    let n = o.size;
    for (let i = 135; i > 124; i -= 1) {
      h[i] = n % 256;
      n = Math.floor(n / 256);
    }
  } else h.write(octal(o.size, 12), 124, 'latin1');
  h.write(octal(1_700_000_000, 12), 136, 'latin1');
  h.write(o.flag, 156, 'latin1');
  if (o.linkname) o.linkname.copy(h, 157, 0, Math.min(100, o.linkname.length));
  if (o.magic === 'posix') {
    h.write('ustar\u000000', 257, 'latin1');
    if (o.prefix) o.prefix.copy(h, 345);
  } else if (o.magic === 'gnu') {
    h.write('ustar  \0', 257, 'latin1');
    // Old GNU keeps atime and ctime where POSIX has the prefix.
    if (o.times) h.write(o.times, 345, 'latin1');
  }
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function padded(b: Buffer): Buffer {
  const pad = (BLOCK - (b.length % BLOCK)) % BLOCK;
  return pad === 0 ? b : Buffer.concat([b, Buffer.alloc(pad)]);
}

function paxRecord(key: string, value: string): Buffer {
  const rest = Buffer.from(` ${key}=${value}\n`);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

/** Splits a name for a POSIX prefix (at most 155 + 100 bytes), or null. */
function splitPrefix(name: Buffer): [Buffer, Buffer] | null {
  for (let i = name.length - 1; i > 0; i -= 1) {
    if (name[i] !== 0x2f) continue;
    const prefix = name.subarray(0, i);
    const rest = name.subarray(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return [prefix, rest];
  }
  return null;
}

function encode(spec: Spec): Buffer {
  const out: Buffer[] = [];
  const name = Buffer.from(spec.name);
  const link = Buffer.from(spec.linkname);
  const size = spec.body.length;
  let headerName: Buffer = name;
  let prefix: Buffer | undefined;
  let headerLink: Buffer = link;
  const magic = spec.magic;
  if (spec.globalBefore) {
    const g = Buffer.concat([paxRecord('comment', 'made by the differential test'), paxRecord('mtime', '1700000000.5')]);
    out.push(rawHeader({ name: Buffer.from('pax_global_header'), flag: 'g', size: g.length, magic: 'posix' }), padded(g));
  }
  const pax: Buffer[] = [];
  if (spec.longName === 'pax') {
    pax.push(paxRecord('path', spec.name));
    if (spec.linkname) pax.push(paxRecord('linkpath', spec.linkname));
    headerName = Buffer.from(`PaxHeader/${spec.name.slice(-40)}`).subarray(0, 100);
    headerLink = link.subarray(0, 100);
  } else if (spec.longName === 'gnu') {
    const l = Buffer.concat([name, Buffer.alloc(1)]);
    out.push(rawHeader({ name: Buffer.from('././@LongLink'), flag: 'L', size: l.length, magic: 'gnu' }), padded(l));
    if (spec.linkname) {
      const k = Buffer.concat([link, Buffer.alloc(1)]);
      out.push(rawHeader({ name: Buffer.from('././@LongLink'), flag: 'K', size: k.length, magic: 'gnu' }), padded(k));
    }
    headerName = name.subarray(0, 100);
    headerLink = link.subarray(0, 100);
  } else if (spec.longName === 'prefix') {
    const split = splitPrefix(name);
    if (split) [prefix, headerName] = split;
  }
  for (const [k, v] of spec.paxExtra) pax.push(paxRecord(k, v));
  if (spec.paxSize) pax.push(paxRecord('size', String(size)));
  if (pax.length > 0) {
    const body = Buffer.concat(pax);
    out.push(rawHeader({ name: Buffer.from('PaxHeader'), flag: 'x', size: body.length, magic: 'posix' }), padded(body));
  }
  out.push(
    rawHeader({
      name: headerName,
      prefix,
      flag: spec.flag,
      // With a pax size record the header's own field is not used; make it wrong on purpose.
      size: spec.paxSize ? 0 : size,
      linkname: headerLink,
      magic,
      times: spec.times,
      base256: spec.base256,
    }),
    padded(spec.body),
  );
  return Buffer.concat(out);
}

// --- the generators ------------------------------------------------------------------

const component = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[a-z0-9_.-]{1,12}$/).filter((s) => s !== '.' && s !== '..') },
  { weight: 1, arbitrary: fc.constantFrom('é', '名前', 'ключ', 'a b', 'x=y', 'long-component-'.repeat(5)) },
);
const path = fc.array(component, { minLength: 1, maxLength: 14 }).map((parts) => parts.join('/'));

const BODYLESS = ['1', '2', '3', '4', '5', '6'];
const spec: fc.Arbitrary<Spec> = fc
  .record({
    flag: fc.constantFrom('0', '0', '0', '\0', '7', '1', '2', '3', '4', '5', '6', 'Z'),
    name: path,
    linkname: path,
    body: fc.uint8Array({ maxLength: 1600 }).map((a) => Buffer.from(a)),
    magic: fc.constantFrom<Magic>('posix', 'gnu', 'v7'),
    longName: fc.constantFrom<LongName>('plain', 'prefix', 'pax', 'gnu'),
    paxSize: fc.boolean(),
    base256: fc.boolean(),
    paxExtra: fc.array(
      fc.tuple(fc.constantFrom('mtime', 'comment', 'uname', 'SCHILY.xattr.user.k'), fc.string({ maxLength: 30, unit: 'grapheme' })),
      { maxLength: 2 },
    ),
    globalBefore: fc.boolean(),
    times: fc.tuple(fc.nat(0o77777777777), fc.nat(0o77777777777)).map(([a, c]) => `${octal(a, 12)}${octal(c, 12)}`),
  })
  .map((s) => {
    const fixed = { ...s };
    const bodyless = BODYLESS.includes(s.flag);
    if (bodyless) fixed.body = Buffer.alloc(0);
    if (s.flag !== '1' && s.flag !== '2') fixed.linkname = '';
    // A trailing slash makes a regular-file entry a folder in every reader; keep names bare.
    if (s.longName === 'plain' && Buffer.byteLength(s.name) > 100) fixed.longName = s.magic === 'posix' ? 'prefix' : 'gnu';
    if (fixed.longName === 'prefix' && (s.magic !== 'posix' || splitPrefix(Buffer.from(s.name)) === null)) fixed.longName = 'pax';
    if (Buffer.byteLength(fixed.linkname) > 100 && fixed.longName !== 'pax' && fixed.longName !== 'gnu') fixed.longName = 'pax';
    // Only ustar and GNU headers carry the pax and GNU meta entries tar-stream accepts.
    if (fixed.longName === 'gnu' && s.magic === 'v7') fixed.magic = 'gnu';
    return fixed;
  });

const archive = fc.record({
  specs: fc.array(spec, { minLength: 1, maxLength: 8 }),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
});

function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

// --- the two readers -------------------------------------------------------------------

function viaWalker(chunks: Buffer[]): Seen[] {
  const seen: Seen[] = [];
  const walker = new TarWalker(LIMITS, (h, data) => {
    seen.push({
      name: h.name,
      type: h.type,
      linkname: h.linkname,
      data: h.type === 'file' ? (data ?? Buffer.alloc(0)).toString('hex') : null,
    });
  });
  for (const c of chunks) walker.push(c);
  expect(walker.end()).toBe('ok');
  return seen;
}

const STREAM_TYPES: Record<string, string> = { 'contiguous-file': 'file' };

async function viaTarStream(chunks: Buffer[]): Promise<Seen[]> {
  const seen: Seen[] = [];
  // v7 headers have no magic; tar-stream reads them only when told to (its option is
  // missing from its type declarations).
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => parts.push(c as Buffer));
      stream.on('end', () => {
        const type = h.type === null ? 'unknown' : (STREAM_TYPES[h.type] ?? h.type);
        seen.push({ name: h.name, type, linkname: h.linkname ?? '', data: type === 'file' ? Buffer.concat(parts).toString('hex') : null });
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  for (const c of chunks) extract.write(c);
  extract.end(undefined);
  await done;
  return seen;
}

const SHORT_FILE: Spec = {
  flag: '0',
  name: 'top/x',
  linkname: '',
  body: Buffer.from('x\n'),
  magic: 'posix',
  longName: 'plain',
  paxSize: false,
  base256: false,
  paxExtra: [],
  globalBefore: false,
  times: '',
};

describe('the tar walker reads what tar-stream reads', () => {
  it('on random archives cut at random places', async () => {
    await fc.assert(
      fc.asyncProperty(archive, async ({ specs, cuts }) => {
        const bytes = Buffer.concat([...specs.map(encode), Buffer.alloc(2 * BLOCK)]);
        const chunks = chunksOf(bytes, cuts);
        const ours = viaWalker(chunks);
        expect(ours).toEqual(await viaTarStream(chunks));
        // Our own intent too, not only agreement: every entry comes out under its full name.
        expect(ours.map((e) => e.name)).toEqual(specs.map((s) => s.name));
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same entries whatever the chunk size, down to one byte', () => {
    const specs: Spec[] = [
      {
        flag: '0',
        name: `a/${'b'.repeat(120)}/c`,
        linkname: '',
        body: Buffer.from('x'.repeat(700)),
        magic: 'posix',
        longName: 'pax',
        paxSize: true,
        base256: false,
        paxExtra: [],
        globalBefore: true,
        times: '',
      },
      {
        flag: '2',
        name: 'l',
        linkname: `t/${'u'.repeat(150)}`,
        body: Buffer.alloc(0),
        magic: 'gnu',
        longName: 'gnu',
        paxSize: false,
        base256: false,
        paxExtra: [],
        globalBefore: false,
        times: '',
      },
    ];
    const bytes = Buffer.concat([...specs.map(encode), Buffer.alloc(2 * BLOCK)]);
    const whole = viaWalker([bytes]);
    const bytewise = viaWalker([...bytes].map((b) => Buffer.from([b])));
    expect(bytewise).toEqual(whole);
    expect(whole.map((e) => [e.name, e.linkname])).toEqual(specs.map((s) => [s.name, s.linkname]));
  });
});

describe('regressions the comparison pins', () => {
  // GNU tar cut a bundle's 115-byte name at 100 bytes right after a '/', so the header's
  // own name looked like a pre-POSIX folder; the walker skipped no body and lost its place.
  it('reads a GNU long-named file whose 100-byte cut ends in a slash as a file', async () => {
    const dir = `top/${'d'.repeat(95)}/`;
    expect(dir.length).toBe(100);
    const specs: Spec[] = [
      {
        flag: '0',
        name: `${dir}random/boot_id`,
        linkname: '',
        body: Buffer.from('6b1f0c3e-9a4d-4c47-8f2e-2d5a7c9e1b34\n'),
        magic: 'gnu',
        longName: 'gnu',
        paxSize: false,
        base256: false,
        paxExtra: [],
        globalBefore: false,
        times: '',
      },
      { ...SHORT_FILE, name: 'top/after' },
    ];
    const bytes = Buffer.concat([...specs.map(encode), Buffer.alloc(2 * BLOCK)]);
    const ours = viaWalker([bytes]);
    expect(ours).toEqual(await viaTarStream([bytes]));
    expect(ours.map((e) => [e.name, e.type])).toEqual([
      [`${dir}random/boot_id`, 'file'],
      ['top/after', 'file'],
    ]);
  });

  it('does not read the times of an old-GNU header as a name prefix', () => {
    const h = rawHeader({
      name: Buffer.from('top/proc/1/stat'),
      flag: '0',
      size: 0,
      magic: 'gnu',
      times: `${octal(0o14567, 12)}${octal(0o14570, 12)}`,
    });
    expect(decodeHeader(h, 0).name).toBe('top/proc/1/stat');
    const posix = rawHeader({ name: Buffer.from('stat'), prefix: Buffer.from('top/proc/1'), flag: '0', size: 0, magic: 'posix' });
    expect(decodeHeader(posix, 0).name).toBe('top/proc/1/stat');
  });

  it.each([
    ['a hexadecimal length', Buffer.from('0x1f path=abcdefghijklmnopqrst\n')],
    ['an exponent length', Buffer.from('1e1 a=bcdef\n')],
    ['a signed length', Buffer.from('+12 path=abc\n')],
    ['a record without its newline', Buffer.from('12 path=abcd')],
    ['a length that stops short of the newline', Buffer.from('11 path=abcd\n')],
    ['a length past the end', Buffer.from('40 path=abcd\n')],
    ['a record without key=value', Buffer.from('9 nokey!\n')],
    ['bytes after the last record', Buffer.concat([paxRecord('path', 'a'), Buffer.from('junk')])],
  ])('refuses a pax record with %s', (_what, data) => {
    expect(() => parsePax(data)).toThrow(HeaderError);
  });

  it('reads well-formed pax records, values with newlines and equals signs included', () => {
    const data = Buffer.concat([
      paxRecord('path', 'a\nb=c'),
      paxRecord('linkpath', 'd'),
      paxRecord('size', '123'),
      paxRecord('comment', ''),
    ]);
    expect(parsePax(data)).toEqual({ path: 'a\nb=c', linkpath: 'd', size: 123 });
  });

  it('keeps no state between two walkers fed interleaved chunks', () => {
    const one = encode({
      flag: '0',
      name: 'one/file',
      linkname: '',
      body: Buffer.from('first'),
      magic: 'posix',
      longName: 'plain',
      paxSize: false,
      base256: false,
      paxExtra: [],
      globalBefore: false,
      times: '',
    });
    const two = encode({
      flag: '0',
      name: 'two/file',
      linkname: '',
      body: Buffer.from('second'),
      magic: 'gnu',
      longName: 'gnu',
      paxSize: false,
      base256: false,
      paxExtra: [],
      globalBefore: false,
      times: '',
    });
    const a: string[] = [];
    const b: string[] = [];
    const wa = new TarWalker(LIMITS, (h, d) => a.push(`${h.name}:${String(d)}`));
    const wb = new TarWalker(LIMITS, (h, d) => b.push(`${h.name}:${String(d)}`));
    const ca = chunksOf(Buffer.concat([one, Buffer.alloc(1024)]), [100, 513, 700]);
    const cb = chunksOf(Buffer.concat([two, Buffer.alloc(1024)]), [3, 600, 1100]);
    for (let i = 0; i < Math.max(ca.length, cb.length); i += 1) {
      if (ca[i]) wa.push(ca[i] as Buffer);
      if (cb[i]) wb.push(cb[i] as Buffer);
    }
    expect([a, b]).toEqual([['one/file:first'], ['two/file:second']]);
  });
});
