// The one module that wraps tar-stream. It gunzips and streams a snapshot tarball, never
// extracts to disk, enforces our limits and entry-type policy, strips the single top
// folder, and turns every failure into one NsnapError sentence.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Header as Headers } from 'tar-stream';
import type { Entry, EntrySink } from './entry.js';
import { LIMIT_INFO, type Limits } from './limits.js';
import { checkEntryName, printable } from './path-policy.js';
import { NsnapError } from '../errors.js';

export interface EntryProblem {
  path: string;
  message: string;
}

export interface TarReadResult {
  topFolder: string | null;
  entries: number;
  bytes: number;
  /** Entries refused by policy (unsafe names, types, duplicates); the read goes on. */
  problems: EntryProblem[];
}

export interface ReadProgress {
  (compressedBytes: number, entries: number): void;
}

class LimitError extends Error {
  constructor(
    readonly limit: keyof Limits,
    readonly value: number,
  ) {
    super(limit);
  }
}

function limitError(file: string, limit: keyof Limits, max: number): NsnapError {
  const info = LIMIT_INFO[limit];
  return new NsnapError('LIMIT_EXCEEDED', `${file}: exceeds the limit on ${info.what} (${max})`, {
    exitCode: 2,
    hint: `if the snapshot is genuine, raise it with ${info.flag} N`,
  });
}

async function sniffGzip(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new NsnapError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${file}: cannot open (${err.code ?? err.message})`);
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    if (bytesRead < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
      throw new NsnapError('NOT_GZIP', `${file}: not a gzip file`, {
        hint: 'a snapshot is the .tar.gz the collector wrote, or a folder extracted from it',
      });
    }
  } finally {
    await handle.close();
  }
}

function kindOf(header: Headers): Entry['kind'] | null {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    default:
      return null;
  }
}

/**
 * Watches the decompressed bytes for the two zero blocks every tar writer ends with. Without
 * them, a tar cut at an entry boundary would read as a complete but smaller snapshot.
 */
function trailingZeros(stream: NodeJS.ReadableStream): { seen(): boolean } {
  let tail: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    tail = chunk.length >= 1024 ? chunk.subarray(chunk.length - 1024) : Buffer.concat([tail, chunk]).subarray(-1024);
  });
  return { seen: () => tail.length === 1024 && tail.every((b) => b === 0) };
}

/**
 * Streams every entry of a .tar.gz to `sink`. Resolves with counts and the policy problems,
 * rejects with an NsnapError for unusable input.
 */
export async function readTarGz(file: string, limits: Limits, sink: EntrySink, progress?: ReadProgress): Promise<TarReadResult> {
  await sniffGzip(file);
  const result: TarReadResult = { topFolder: null, entries: 0, bytes: 0, problems: [] };
  const seen = new Set<string>();
  let compressed = 0;

  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  const extract = tar.extract();

  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      extract.destroy();
      reject(err);
    };
    source.on('data', (chunk: string | Buffer) => {
      compressed += chunk.length;
    });
    source.on('error', (e) => fail(new NsnapError('IO_ERROR', `${file}: read error (${(e as NodeJS.ErrnoException).code ?? e.message})`)));
    gunzip.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)) {
        fail(
          new NsnapError('TRUNCATED', `${file}: the gzip stream is truncated`, {
            hint: 'the file was cut short; download or copy it again',
          }),
        );
      } else {
        fail(new NsnapError('NOT_GZIP', `${file}: corrupt gzip data (${e.message})`, { hint: 'download or copy the file again' }));
      }
    });
    extract.on('error', (e: Error) => {
      if (e instanceof LimitError) {
        fail(limitError(file, e.limit, e.value));
      } else if (/unexpected end/i.test(e.message)) {
        fail(
          new NsnapError('TRUNCATED', `${file}: the tar archive inside is truncated`, {
            hint: 'the file was cut short; download or copy it again',
          }),
        );
      } else if (/invalid|header|unknown format/i.test(e.message)) {
        fail(
          new NsnapError('NOT_TAR', `${file}: not a tar archive, or a corrupt one (${e.message.replace(/\. Maybe.*$/, '')})`, {
            hint: 'a snapshot is a gzip-compressed tar written by the collector',
          }),
        );
      } else {
        fail(new NsnapError('NOT_TAR', `${file}: cannot read the tar archive (${e.message})`));
      }
    });

    extract.on('entry', (header, stream, next) => {
      // A destroyed extract destroys the current entry stream with the same error; the
      // extract's own listener reports it, so the entry's copy is only swallowed here.
      stream.on('error', () => undefined);
      result.entries += 1;
      if (result.entries > limits.maxEntries) {
        stream.resume();
        extract.destroy(new LimitError('maxEntries', result.entries));
        return;
      }
      if (result.entries % 4096 === 0 && progress) progress(compressed, result.entries);
      const size = header.size ?? 0;
      if (size > limits.maxEntrySize) {
        stream.resume();
        extract.destroy(new LimitError('maxEntrySize', size));
        return;
      }
      if (result.bytes + size > limits.maxTotalBytes) {
        stream.resume();
        extract.destroy(new LimitError('maxTotalBytes', result.bytes + size));
        return;
      }
      result.bytes += size;
      let rel: Entry | null;
      try {
        rel = classify(header);
      } catch (e) {
        stream.resume();
        extract.destroy(e as Error);
        return;
      }
      if (rel === null || rel.kind !== 'file') {
        stream.on('end', next);
        stream.resume();
        if (rel) sink(rel);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        rel.data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        try {
          sink(rel);
        } catch (e) {
          fail(e);
          return;
        }
        next();
      });
    });
    extract.on('finish', () => {
      if (!settled && !endMarker.seen()) {
        fail(
          new NsnapError('TRUNCATED', `${file}: the tar archive inside ends without its end-of-archive marker`, {
            hint: 'the archive was cut short before it was compressed; capture or copy it again',
          }),
        );
        return;
      }
      if (!settled) {
        settled = true;
        resolve();
      }
    });
  });

  /** Applies the name and type policy; returns the entry to store, or null. */
  function classify(header: Headers): Entry | null {
    const verdict = checkEntryName(header.name, limits.maxPathDepth);
    if (!verdict.ok) {
      if (verdict.reason.startsWith('deeper')) {
        throw new LimitError('maxPathDepth', limits.maxPathDepth);
      }
      result.problems.push({ path: printable(header.name), message: `unsafe entry name: ${verdict.reason}` });
      return null;
    }
    const [top, ...rest] = verdict.parts;
    if (result.topFolder === null) result.topFolder = top ?? null;
    if (top !== result.topFolder) {
      result.problems.push({ path: printable(header.name), message: `outside the top folder '${printable(result.topFolder ?? '')}'` });
      return null;
    }
    const kind = kindOf(header);
    const path = rest.join('/');
    if (kind === null) {
      result.problems.push({ path: printable(path || header.name), message: `entry type '${header.type}' is not allowed in a snapshot` });
      return null;
    }
    if (path === '') {
      if (kind !== 'dir') result.problems.push({ path: printable(header.name), message: 'the top folder must be a folder' });
      return null;
    }
    const key = path;
    if (seen.has(key)) {
      result.problems.push({ path: printable(path), message: 'duplicate entry' });
      return null;
    }
    seen.add(key);
    if (kind === 'symlink') return { path, kind, target: header.linkname ?? '' };
    return { path, kind };
  }

  const endMarker = trailingZeros(gunzip);
  source.pipe(gunzip).pipe(extract);
  await done;
  if (progress) progress(compressed, result.entries);
  return result;
}
