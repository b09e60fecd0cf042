// Entries packed into one flat buffer, so the read worker (read-worker.ts) can hand them
// to the main thread by transferring the buffer instead of cloning an object per entry.
// A record is: kind (1 byte, plus 4 when the path is ASCII), the path's UTF-8 length (4
// bytes) and bytes, then the payload's length (4 bytes) and bytes: a file's content or a
// symlink's target; a folder has none. An ASCII path (nearly all) is decoded as Latin-1,
// which makes V8's compact one-byte string without a UTF-8 decoding pass. Decoded entries' contents are views of the transferred buffer, not copies.

import type { Entry, EntryKind, EntrySink } from './entry.js';

const KINDS: readonly EntryKind[] = ['file', 'dir', 'symlink'];
const KIND_CODE: Record<EntryKind, number> = { file: 0, dir: 1, symlink: 2 };
const EMPTY = Buffer.alloc(0);
const ASCII = 4;

/** A batch holds at least this many bytes before it is sent (more for a larger entry). */
export const BATCH_BYTES = 1 << 19;

/** Fills batches and hands each full one to `send`, which takes the buffer over. */
export class BatchWriter {
  private buf: Buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private at = 0;
  /** Entries in the batch being filled. */
  count = 0;

  constructor(private readonly send: (buf: Buffer, length: number, entries: number) => void) {}

  add(entry: Entry): void {
    const path = entry.path;
    const data = entry.kind === 'file' ? (entry.data ?? EMPTY) : null;
    const target = entry.kind === 'symlink' ? (entry.target ?? '') : '';
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the bound spares a length pass.
    const need = 9 + path.length * 3 + (data !== null ? data.length : target.length * 3);
    if (this.at + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafeSlow(need);
    }
    const b = this.buf;
    let at = this.at;
    const pathLen = b.write(path, at + 5, 'utf8');
    // As many bytes as UTF-16 units: every character is ASCII.
    b[at] = KIND_CODE[entry.kind] | (pathLen === path.length ? ASCII : 0);
    b.writeUInt32LE(pathLen, at + 1);
    at += 5 + pathLen;
    let payload = 0;
    if (data !== null) payload = data.copy(b, at + 4);
    else if (target !== '') payload = b.write(target, at + 4, 'utf8');
    b.writeUInt32LE(payload, at);
    this.at = at + 4 + payload;
    this.count += 1;
  }

  /** Sends what the batch holds, if anything, and starts a new one. */
  flush(): void {
    if (this.count === 0) return;
    this.send(this.buf, this.at, this.count);
    this.buf = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, this.buf.length));
    this.at = 0;
    this.count = 0;
  }
}

/** Hands every entry of one batch to `sink`, in the order they were added. */
export function readBatch(buffer: ArrayBuffer, length: number, sink: EntrySink): void {
  const b = Buffer.from(buffer, 0, length);
  let at = 0;
  while (at < length) {
    const code = b[at] as number;
    const kind = KINDS[code & 3] as EntryKind;
    const pathLen = b.readUInt32LE(at + 1);
    const path = code & ASCII ? b.toString('latin1', at + 5, at + 5 + pathLen) : b.toString('utf8', at + 5, at + 5 + pathLen);
    at += 5 + pathLen;
    const payload = b.readUInt32LE(at);
    at += 4;
    // One object shape for every kind, as the reader on this thread makes them.
    sink({
      path,
      kind,
      data: kind === 'file' ? b.subarray(at, at + payload) : undefined,
      target: kind === 'symlink' ? b.toString('utf8', at, at + payload) : undefined,
      parts: path.split('/'),
    });
    at += payload;
  }
}
