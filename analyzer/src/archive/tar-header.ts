// Byte-level knowledge of the tar format, and nothing else: ustar headers, GNU long
// names and pax records. Pure functions over buffers; the streaming and the policy live
// in tar-reader.ts. (tar-stream was measured at ~7 µs of overhead per entry, a 100k-process
// snapshot has 1.7 million entries, so the reader decodes headers itself; see the note in
// tar-reader.ts.)

export const BLOCK = 512;

export type RawType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'pax'
  | 'pax-global'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'unknown';

export interface RawHeader {
  name: string;
  linkname: string;
  size: number;
  type: RawType;
  /** The type flag byte as a character, for messages. */
  flag: string;
}

export class HeaderError extends Error {}

const TYPES: Record<string, RawType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
};

export function isZeroBlock(buf: Buffer, at: number): boolean {
  for (let i = at; i < at + BLOCK; i += 1) if (buf[i] !== 0) return false;
  return true;
}

function cstring(buf: Buffer, at: number, len: number): string {
  let end = at;
  const max = at + len;
  while (end < max && buf[end] !== 0) end += 1;
  return buf.toString('utf8', at, end);
}

/** Octal with optional spaces/NULs, or GNU base-256 for large values. */
function number(buf: Buffer, at: number, len: number, field: string): number {
  const first = buf[at] as number;
  if (first & 0x80) {
    // base-256: big-endian two's complement, first byte's top bit is the marker
    if (first & 0x40) throw new HeaderError(`negative ${field}`);
    let n = first & 0x3f;
    for (let i = at + 1; i < at + len; i += 1) {
      n = n * 256 + (buf[i] as number);
      if (n > Number.MAX_SAFE_INTEGER) throw new HeaderError(`${field} too large`);
    }
    return n;
  }
  let n = 0;
  let i = at;
  const end = at + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i += 1;
  for (; i < end; i += 1) {
    const c = buf[i] as number;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new HeaderError(`${field} is not an octal number`);
    n = n * 8 + (c - 0x30);
  }
  return n;
}

// Checksums are summed four bytes at a time over an aligned copy of the header: with
// 1.7 million headers in a 100k-process snapshot this loop is the reader's hottest.
const scratch = new Uint32Array(BLOCK / 4);
const scratchBytes = new Uint8Array(scratch.buffer);

/** A 32-bit view over the whole memory of the last buffer seen (headers at aligned offsets). */
let wordsOf: ArrayBufferLike | null = null;
let words: Uint32Array = scratch;

function unsignedSum(buf: Buffer, at: number): number {
  let w32: Uint32Array;
  let base: number;
  if ((buf.byteOffset + at) % 4 === 0) {
    // Read the words in place: one view per decompressed chunk, not a copy per header.
    if (wordsOf !== buf.buffer) {
      wordsOf = buf.buffer;
      words = new Uint32Array(buf.buffer, 0, Math.floor(buf.buffer.byteLength / 4));
    }
    w32 = words;
    base = (buf.byteOffset + at) / 4;
  } else {
    scratchBytes.set(buf.subarray(at, at + BLOCK));
    w32 = scratch;
    base = 0;
  }
  let lo = 0;
  let hi = 0;
  for (let i = base; i < base + BLOCK / 4; i += 1) {
    const w = w32[i] as number;
    lo += w & 0x00ff00ff;
    hi += (w >>> 8) & 0x00ff00ff;
  }
  // Each 16-bit lane holds at most 128 * 255 < 65536, so the lanes never carry.
  let sum = (lo & 0xffff) + (lo >>> 16) + (hi & 0xffff) + (hi >>> 16);
  // The checksum counts its own field (bytes 148..155) as eight spaces.
  for (let i = at + 148; i < at + 156; i += 1) sum -= buf[i] as number;
  return sum + 8 * 0x20;
}

const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar"

/** Decodes the 512-byte header at `at`; throws HeaderError when it is not a tar header. */
export function decodeHeader(buf: Buffer, at: number): RawHeader {
  const stored = number(buf, at + 148, 8, 'checksum');
  const unsigned = unsignedSum(buf, at);
  if (stored !== unsigned) {
    // Some old writers summed signed bytes.
    let signed = 8 * 0x20;
    for (let i = at; i < at + BLOCK; i += 1) {
      if (i >= at + 148 && i < at + 156) continue;
      const b = buf[i] as number;
      signed += b > 127 ? b - 256 : b;
    }
    if (stored !== signed) throw new HeaderError('header checksum mismatch');
  }
  const flagByte = buf[at + 156] as number;
  const flag = String.fromCharCode(flagByte);
  const type = TYPES[flag] ?? 'unknown';
  let name = cstring(buf, at, 100);
  let ustar = true;
  for (let i = 0; i < 5; i += 1) if (buf[at + 257 + i] !== USTAR[i]) ustar = false;
  if (ustar && buf[at + 345] !== 0) name = `${cstring(buf, at + 345, 155)}/${name}`;
  const linkname = buf[at + 157] === 0 ? '' : cstring(buf, at + 157, 100);
  return { name, linkname, size: number(buf, at + 124, 12, 'size'), type, flag };
}

/** Pax extended header records: "<len> <key>=<value>\n". Only path, linkpath and size matter. */
export function parsePax(data: Buffer): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const len = Number(data.toString('latin1', at, space));
    if (!Number.isSafeInteger(len) || len <= 0 || at + len > data.length) throw new HeaderError('malformed pax record');
    const record = data.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) {
      const key = record.slice(0, eq);
      const value = record.slice(eq + 1);
      if (key === 'path') out.path = value;
      else if (key === 'linkpath') out.linkpath = value;
      else if (key === 'size') {
        if (!/^[0-9]{1,15}$/.test(value)) throw new HeaderError('malformed pax size');
        out.size = Number(value);
      }
    }
    at += len;
  }
  return out;
}
