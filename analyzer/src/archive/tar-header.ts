// Byte-level knowledge of the tar format, and nothing else: ustar headers, GNU long
// names and pax records. Functions over buffers with no state between calls (the one
// cache, a checksum view, lives in a HeaderDecoder each reader owns); the walking is in
// tar-walker.ts and the streaming and policy in tar-reader.ts. (tar-stream was measured at
// ~7 µs of overhead per entry, and a 100k-process snapshot has 1.7 million entries, so the
// reader decodes headers itself; see the note in tar-reader.ts.)

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

const TYPES: Readonly<Record<string, RawType>> = Object.freeze({
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
});

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

/**
 * Header decoding with a reusable checksum view. With 1.7 million headers in a
 * 100k-process snapshot the checksum loop is the reader's hottest, so the words are
 * summed four at a time: in place on a 32-bit view of the chunk's memory when the header
 * is aligned (one view per decompressed chunk, not a copy per header), else on an
 * aligned copy. The view and the copy belong to one decoder, so two readers (say, the
 * two sides of a diff in one thread) never share them.
 */
export class HeaderDecoder {
  private readonly scratch = new Uint32Array(BLOCK / 4);
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer);
  private wordsOf: ArrayBufferLike | null = null;
  private words: Uint32Array = this.scratch;

  private unsignedSum(buf: Buffer, at: number): number {
    let w32: Uint32Array;
    let base: number;
    if ((buf.byteOffset + at) % 4 === 0) {
      if (this.wordsOf !== buf.buffer) {
        this.wordsOf = buf.buffer;
        this.words = new Uint32Array(buf.buffer, 0, Math.floor(buf.buffer.byteLength / 4));
      }
      w32 = this.words;
      base = (buf.byteOffset + at) / 4;
    } else {
      this.scratchBytes.set(buf.subarray(at, at + BLOCK));
      w32 = this.scratch;
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

  /** Decodes the 512-byte header at `at`; throws HeaderError when it is not a tar header. */
  decode(buf: Buffer, at: number): RawHeader {
    const stored = number(buf, at + 148, 8, 'checksum');
    if (stored !== this.unsignedSum(buf, at)) {
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
    // Only POSIX ustar ("ustar\0") has the name prefix at 345. Old GNU tar ("ustar  \0")
    // keeps the access and change times there, which are not part of the name.
    if (isPosixUstar(buf, at) && buf[at + 345] !== 0) name = `${cstring(buf, at + 345, 155)}/${name}`;
    const linkname = buf[at + 157] === 0 ? '' : cstring(buf, at + 157, 100);
    return { name, linkname, size: number(buf, at + 124, 12, 'size'), type, flag };
  }
}

/** Decodes one header with a decoder of its own (for single headers; readers keep one). */
export function decodeHeader(buf: Buffer, at: number): RawHeader {
  return new HeaderDecoder().decode(buf, at);
}

function isPosixUstar(buf: Buffer, at: number): boolean {
  const m = at + 257;
  return buf[m] === 0x75 && buf[m + 1] === 0x73 && buf[m + 2] === 0x74 && buf[m + 3] === 0x61 && buf[m + 4] === 0x72 && buf[m + 5] === 0;
}

/**
 * Pax extended header records, strictly: "<len> <key>=<value>\n" where <len> is decimal
 * digits counting the whole record, newline included. Anything else (hex or exponent
 * lengths, a record that does not end in its newline, bytes left over) is a corrupt
 * header, not something to guess around. Only path, linkpath and size matter here; an
 * empty value unsets the key, as POSIX says.
 */
export function parsePax(data: Buffer): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let at = 0;
  while (at < data.length) {
    let len = 0;
    let i = at;
    for (; i < data.length && i - at < 16; i += 1) {
      const c = data[i] as number;
      if (c < 0x30 || c > 0x39) break;
      len = len * 10 + (c - 0x30);
    }
    if (i === at || data[i] !== 0x20)
      throw new HeaderError('malformed pax record (its length is not a decimal number followed by a space)');
    const end = at + len;
    if (end > data.length || end <= i + 1 || data[end - 1] !== 0x0a) {
      throw new HeaderError('malformed pax record (its length does not end at its newline)');
    }
    const record = data.toString('utf8', i + 1, end - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new HeaderError('malformed pax record (no key=value)');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value === '' ? undefined : value;
    else if (key === 'linkpath') out.linkpath = value === '' ? undefined : value;
    else if (key === 'size') {
      if (value === '') out.size = undefined;
      else if (!/^[0-9]{1,15}$/.test(value)) throw new HeaderError('malformed pax size');
      else out.size = Number(value);
    }
    at = end;
  }
  return out;
}
