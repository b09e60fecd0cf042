// The tar format as a push parser: decompressed bytes in, in chunks of any size, and
// one call per entry out, with pax and GNU long names already applied. It enforces the
// count and size limits (they must stop a hostile archive before its bodies are
// buffered) and nothing else: names, types and the top folder are the caller's policy
// (tar-reader.ts). All state is per walker, so any number can run side by side.

import type { Limits } from './limits.js';
import { BLOCK, HeaderDecoder, HeaderError, isZeroBlock, parsePax, type RawHeader } from './tar-header.js';

/** pax and GNU long-name headers are tiny in practice; more is hostile. */
const MAX_META = 64 * 1024;

export class LimitError extends Error {
  constructor(
    readonly limit: keyof Limits,
    /** The entry name where the limit was crossed, for the message. */
    readonly entry: string,
  ) {
    super(limit);
  }
}

/** A push parser over decompressed bytes: headers, bodies, and the end-of-archive marker. */
export class TarWalker {
  private readonly decoder = new HeaderDecoder();
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private state: 'header' | 'body' | 'done' = 'header';
  private zeros = 0;
  /** Bytes of body still to consume, padding included. */
  private remaining = 0;
  private bodySize = 0;
  private bodyChunks: Buffer[] = [];
  private bodyCollected = 0;
  private keepBody = false;
  private current: RawHeader | null = null;
  private paxPath: string | undefined;
  private paxLink: string | undefined;
  private paxSize: number | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  entries = 0;
  bytes = 0;

  constructor(
    private readonly limits: Limits,
    private readonly emit: (h: RawHeader, data: Buffer | null) => void,
  ) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.state !== 'done') {
      if (this.state === 'header') {
        let block: Buffer;
        let at: number;
        if (this.headerFill === 0 && chunk.length - off >= BLOCK) {
          block = chunk;
          at = off;
          off += BLOCK;
        } else {
          const take = Math.min(BLOCK - this.headerFill, chunk.length - off);
          chunk.copy(this.header, this.headerFill, off, off + take);
          this.headerFill += take;
          off += take;
          if (this.headerFill < BLOCK) return;
          this.headerFill = 0;
          block = this.header;
          at = 0;
        }
        this.onHeader(block, at);
      } else {
        const take = Math.min(this.remaining, chunk.length - off);
        if (this.keepBody && this.bodyCollected < this.bodySize) {
          const want = Math.min(take, this.bodySize - this.bodyCollected);
          this.bodyChunks.push(chunk.subarray(off, off + want));
          this.bodyCollected += want;
        }
        off += take;
        this.remaining -= take;
        if (this.remaining === 0) this.finishBody();
      }
    }
  }

  /** The entry whose body the input ended in, for the truncation message. */
  cutEntry(): string | null {
    return this.state === 'body' && this.current ? this.current.name : null;
  }

  /** True when the input ended cleanly after the end-of-archive marker. */
  end(): 'ok' | 'mid-entry' | 'no-marker' {
    if (this.state === 'done') return 'ok';
    if (this.state === 'body' || this.headerFill > 0) return 'mid-entry';
    // GNU tar and busybox always write two zero blocks; one is tolerated as the end.
    return this.zeros >= 1 ? 'ok' : 'no-marker';
  }

  private onHeader(block: Buffer, at: number): void {
    if (isZeroBlock(block, at)) {
      this.zeros += 1;
      if (this.zeros === 2) this.state = 'done';
      return;
    }
    this.zeros = 0;
    const h = this.decoder.decode(block, at);
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) throw new LimitError('maxEntries', h.name);
    const meta = h.type === 'pax' || h.type === 'pax-global' || h.type === 'gnu-long-name' || h.type === 'gnu-long-link';
    if (!meta) {
      if (this.paxPath !== undefined) h.name = this.paxPath;
      else if (this.longName !== undefined) h.name = this.longName;
      if (this.paxLink !== undefined) h.linkname = this.paxLink;
      else if (this.longLink !== undefined) h.linkname = this.longLink;
      if (this.paxSize !== undefined) h.size = this.paxSize;
      this.paxPath = this.paxLink = this.paxSize = this.longName = this.longLink = undefined;
    }
    if (meta && h.size > MAX_META) throw new HeaderError(`a ${h.type} header of ${h.size} bytes`);
    if (h.size > this.limits.maxEntrySize) throw new LimitError('maxEntrySize', h.name);
    this.bytes += h.size;
    if (this.bytes > this.limits.maxTotalBytes) throw new LimitError('maxTotalBytes', h.name);
    // Only regular files and meta headers carry content we read; others skip their body.
    const bodyless = h.type === 'link' || h.type === 'symlink' || h.type === 'directory' || h.type === 'fifo' || h.type.endsWith('device');
    // Pre-POSIX writers marked folders by a trailing slash on a regular-file entry. It is
    // judged on the whole name, after a long name replaced the header's own (whose 100-byte
    // cut can end in '/'), and the declared size is still skipped, as tar-stream does.
    if (!meta && (h.flag === '0' || h.flag === '\0') && h.name.endsWith('/')) h.type = 'directory';
    this.current = h;
    this.bodySize = bodyless ? 0 : h.size;
    this.remaining = Math.ceil(this.bodySize / BLOCK) * BLOCK;
    this.keepBody = meta || h.type === 'file';
    this.bodyChunks = [];
    this.bodyCollected = 0;
    if (this.remaining === 0) this.finishBody();
    else this.state = 'body';
  }

  private finishBody(): void {
    this.state = 'header';
    const h = this.current as RawHeader;
    const data = !this.keepBody
      ? null
      : this.bodyChunks.length === 1
        ? (this.bodyChunks[0] as Buffer)
        : Buffer.concat(this.bodyChunks, this.bodyCollected);
    this.bodyChunks = [];
    switch (h.type) {
      case 'pax': {
        const pax = parsePax(data ?? Buffer.alloc(0));
        this.paxPath = pax.path;
        this.paxLink = pax.linkpath;
        this.paxSize = pax.size;
        return;
      }
      case 'pax-global':
        return;
      case 'gnu-long-name':
        this.longName = (data ?? Buffer.alloc(0)).toString('utf8').replace(/\0.*$/s, '');
        return;
      case 'gnu-long-link':
        this.longLink = (data ?? Buffer.alloc(0)).toString('utf8').replace(/\0.*$/s, '');
        return;
      default:
        this.emit(h, data);
    }
  }
}
