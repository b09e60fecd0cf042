// A byte-level tar writer for hostile archives: every header field can lie (sizes,
// checksums, type flags, base-256 numbers, names with NULs), which tar-stream would
// refuse to write. Also the periodic deflate trick that makes gigabytes from megabytes.

import { closeSync, openSync, writeSync } from 'node:fs';
import { constants, crc32, deflateRawSync } from 'node:zlib';

export const BLOCK = 512;

export interface RawEntry {
  /** Entry name; longer than 100 bytes goes into the ustar prefix when it splits cleanly. */
  name: string | Buffer;
  /** Type flag character: '0' file, '1' hard link, '2' symlink, '3'/'4' devices, '5' dir, '6' FIFO, 'x' pax, 'L' GNU long name... */
  flag?: string;
  body?: Buffer | string;
  linkname?: string;
  /** What the size field claims; defaults to the body length. */
  size?: number;
  /** The raw 12 bytes of the size field (base-256 and other tricks). */
  sizeField?: Buffer;
  /** Damage the checksum. */
  badChecksum?: boolean;
  /** The raw 8 bytes of the checksum field. */
  checksumField?: Buffer;
}

function octal(n: number, width: number): Buffer {
  return Buffer.from(`${n.toString(8).padStart(width - 1, '0')}\0`, 'latin1');
}

export function header(e: RawEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const body = typeof e.body === 'string' ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
  const name = typeof e.name === 'string' ? Buffer.from(e.name) : e.name;
  if (name.length <= 100) name.copy(h, 0);
  else {
    const cut = name.lastIndexOf(0x2f, name.length - 2);
    if (cut === -1 || cut > 155 || name.length - cut - 1 > 100) throw new Error(`name does not fit a ustar header: ${name.length} bytes`);
    name.copy(h, 345, 0, cut);
    name.copy(h, 0, cut + 1);
  }
  octal(0o644, 8).copy(h, 100);
  octal(0, 8).copy(h, 108);
  octal(0, 8).copy(h, 116);
  (e.sizeField ?? octal(e.size ?? body.length, 12)).copy(h, 124);
  octal(0, 12).copy(h, 136);
  h.write(e.flag ?? '0', 156, 'latin1');
  if (e.linkname !== undefined) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (e.checksumField) e.checksumField.copy(h, 148);
  else octal(e.badChecksum ? (sum + 1) % 0o777777 : sum, 7).copy(h, 148);
  if (!e.checksumField) h[155] = 0x20;
  return h;
}

function padded(body: Buffer): Buffer {
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  return pad === 0 ? body : Buffer.concat([body, Buffer.alloc(pad)]);
}

/** One entry as bytes: its header and its body padded to the block size. */
export function entryBytes(e: RawEntry): Buffer {
  const body = typeof e.body === 'string' ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
  return Buffer.concat([header(e), padded(body)]);
}

export const END = Buffer.alloc(2 * BLOCK);

export function tar(entries: RawEntry[], end = true): Buffer {
  return Buffer.concat([...entries.map(entryBytes), ...(end ? [END] : [])]);
}

/** A pax extended header ('x') with the given records, each "<len> <key>=<value>\n" unless given raw. */
export function pax(records: Array<[string, string] | string>, flag = 'x'): RawEntry {
  const text = records
    .map((r) => {
      if (typeof r === 'string') return r;
      const [k, v] = r;
      const rest = ` ${k}=${v}\n`;
      let len = Buffer.byteLength(rest) + 1;
      while (String(len).length + Buffer.byteLength(rest) !== len) len += 1;
      return `${len}${rest}`;
    })
    .join('');
  return { name: 'PaxHeaders/x', flag, body: text };
}

/** A GNU long-name ('L') or long-link ('K') header. */
export function gnuLong(value: string | Buffer, flag: 'L' | 'K' = 'L'): RawEntry {
  return { name: '././@LongLink', flag, body: Buffer.concat([Buffer.from(value), Buffer.from([0])]) };
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/**
 * Writes a gzip file whose data is `prefix`, then `unit` repeated `times` times, then
 * `suffix`, without ever holding the expanded data: `unit` is deflated once with a full
 * flush (byte-aligned, no back-references across it) and its compressed bytes are written
 * `times` times. The CRC is right for what is written (crc32 of the unit, chained).
 */
export function writeRepeatedGzip(
  path: string,
  prefix: Buffer,
  unit: Buffer,
  times: number,
  suffix: Buffer,
): { compressed: number; expanded: number } {
  const flushed = (data: Buffer): Buffer => deflateRawSync(data, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const pre = flushed(prefix);
  const mid = flushed(unit);
  const post = deflateRawSync(suffix, { level: 9 });
  const fd = openSync(path, 'w');
  let compressed = 0;
  let crc = crc32(prefix);
  const put = (b: Buffer): void => {
    writeSync(fd, b);
    compressed += b.length;
  };
  try {
    put(GZIP_HEADER);
    put(pre);
    // Batch the repeated unit into ~1 MiB writes.
    const batch = Math.max(1, Math.floor((1 << 20) / mid.length));
    const chunk = Buffer.concat(Array.from({ length: Math.min(batch, times) }, () => mid));
    let left = times;
    while (left > 0) {
      const n = Math.min(batch, left);
      put(n === Math.min(batch, times) ? chunk : chunk.subarray(0, n * mid.length));
      left -= n;
    }
    crc = crc32Combine(crc, crc32Repeat(crc32(unit), unit.length, times), unit.length * times);
    crc = crc32(suffix, crc);
    put(post);
    const expanded = prefix.length + unit.length * times + suffix.length;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(expanded % 2 ** 32, 4);
    put(trailer);
    return { compressed, expanded };
  } finally {
    closeSync(fd);
  }
}

// zlib's crc32_combine over GF(2), so the CRC of gigabytes costs microseconds.
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i += 1, vec >>>= 1) if (vec & 1) sum ^= mat[i] as number;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n += 1) square[n] = gf2Times(mat, mat[n] as number);
}

/** crc32 of A followed by B, from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  let row = 1;
  for (let n = 1; n < 32; n += 1) {
    odd[n] = row;
    row <<= 1;
  }
  gf2Square(even, odd);
  gf2Square(odd, even);
  let c = crc1 >>> 0;
  let len = len2;
  do {
    gf2Square(even, odd);
    if (len % 2 === 1) c = gf2Times(even, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) c = gf2Times(odd, c);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (c ^ crc2) >>> 0;
}

/** crc32 of a block repeated `times` times, by doubling. */
export function crc32Repeat(crc: number, len: number, times: number): number {
  let result = 0;
  let resultLen = 0;
  let pow = crc >>> 0;
  let powLen = len;
  let n = times;
  while (n > 0) {
    if (n % 2 === 1) {
      result = resultLen === 0 ? pow : crc32Combine(result, pow, powLen);
      resultLen += powLen;
    }
    n = Math.floor(n / 2);
    if (n > 0) {
      pow = crc32Combine(pow, pow, powLen);
      powLen *= 2;
    }
  }
  return result >>> 0;
}
