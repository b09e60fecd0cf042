// The streaming snapshot reader: gunzip, walk the tar entries, enforce our limits and
// entry policy, strip the single top folder, and turn every failure into one NsnapError
// sentence. Never extracts to disk and never holds more than one entry in memory.
//
// Why not tar-stream's extract here: measured on the 10k- and 100k-process benchmark
// snapshots (170k and 1.7M entries), tar-stream with no-op entry handlers took 1.75 s and
// 15.1 s, against 0.11 s and ~1 s for gunzip alone: about 7 µs of stream machinery per
// entry, most of the analyzer's time. tar-walker.ts walks the entries and tar-header.ts
// decodes the headers instead, and a property test (test/reader/tar-differential.test.ts)
// holds both to tar-stream's reading of random archives. tar-stream still writes
// snapshots (snapshot/writer.ts) and builds the test archives.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import type { Entry, EntrySink } from './entry.js';
import { LIMIT_INFO, type Limits } from './limits.js';
import { checkEntryName, MAX_CLEAN_NAME, printable, splitClean } from './path-policy.js';
import { HeaderError, type RawHeader } from './tar-header.js';
import { LimitError, TarWalker } from './tar-walker.js';
import { NsnapError } from '../errors.js';

export interface EntryProblem {
  path: string;
  message: string;
}

export interface TarReadResult {
  topFolder: string | null;
  entries: number;
  bytes: number;
  /** Entries refused by policy (unsafe names, entry types); the read goes on. */
  problems: EntryProblem[];
}

export interface ReadProgress {
  (compressedBytes: number, entries: number): void;
}

const EMPTY = Buffer.alloc(0);

function limitError(file: string, limit: keyof Limits, max: number, entry: string): NsnapError {
  const info = LIMIT_INFO[limit];
  const name = printable(entry);
  // Size and depth belong to one entry; count and total to the archive, crossed at an entry.
  const where =
    limit === 'maxEntrySize' || limit === 'maxPathDepth'
      ? `${name}: exceeds the limit on ${info.what} (${max})`
      : `exceeds the limit on ${info.what} (${max}) at entry ${name}`;
  return new NsnapError('LIMIT_EXCEEDED', `${file}: ${where}`, {
    exitCode: 2,
    hint: `if the snapshot is genuine, raise it with ${info.flag} N`,
  });
}

function checkGzipMagic(file: string, head: Buffer, bytesRead: number): void {
  if (bytesRead < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
    throw new NsnapError('NOT_GZIP', `${file}: not a gzip file`, {
      hint: 'a snapshot is the .tar.gz the collector wrote, or a folder extracted from it',
    });
  }
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
    checkGzipMagic(file, head, bytesRead);
  } finally {
    await handle.close();
  }
}

function partsLength(parts: string[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

function kindOf(type: RawHeader['type']): Entry['kind'] | null {
  if (type === 'file') return 'file';
  if (type === 'directory') return 'dir';
  if (type === 'symlink') return 'symlink';
  return null;
}

/**
 * Streams every entry of a .tar.gz to `sink`. Resolves with counts and the policy problems,
 * rejects with an NsnapError for unusable input. With `bytes` the archive is that buffer
 * (standard input, read whole by the caller) and `file` only names it in messages.
 */
export async function readTarGz(
  file: string,
  limits: Limits,
  sink: EntrySink,
  progress?: ReadProgress,
  bytes?: Buffer,
): Promise<TarReadResult> {
  if (bytes === undefined) await sniffGzip(file);
  else checkGzipMagic(file, bytes, bytes.length);
  const result: TarReadResult = { topFolder: null, entries: 0, bytes: 0, problems: [] };
  let compressed = 0;

  /** The top folder and its slash, once the first entry has named it. */
  let topPrefix: string | null = null;

  /** Applies the name and type policy, then hands the entry on. */
  const onEntry = (h: RawHeader, data: Buffer | null): void => {
    const name = h.name;
    let rest: string[] | null = null;
    let path = '';
    // Fast path, nearly every entry: a clean name below the top folder already seen. Only
    // the part below the top folder is split, and the path is a slice of the name.
    if (topPrefix !== null && name.length <= MAX_CLEAN_NAME && name.startsWith(topPrefix)) {
      rest = splitClean(name, topPrefix.length);
      if (rest !== null) {
        if (rest.length > limits.maxPathDepth) throw new LimitError('maxPathDepth', name);
        path = name.charCodeAt(name.length - 1) === 0x2f ? name.slice(topPrefix.length, -1) : name.slice(topPrefix.length);
      }
    }
    if (rest === null) {
      const verdict = checkEntryName(name, limits.maxPathDepth);
      if (!verdict.ok) {
        if (verdict.reason.startsWith('deeper')) throw new LimitError('maxPathDepth', name);
        result.problems.push({ path: printable(name), message: `unsafe entry name: ${verdict.reason}` });
        return;
      }
      rest = verdict.parts;
      const top = rest.shift() as string;
      if (result.topFolder === null) {
        result.topFolder = top;
        topPrefix = `${top}/`;
      }
      if (top !== result.topFolder) {
        result.problems.push({ path: printable(name), message: `outside the top folder '${printable(result.topFolder)}'` });
        return;
      }
      // A clean name is exactly its parts joined by '/' (plus at most one trailing '/'), so
      // the path below the top folder is a slice of it, not a fresh join.
      path = verdict.clean ? name.substr(top.length + 1, partsLength(rest) + rest.length - 1) : rest.join('/');
    }
    const kind = kindOf(h.type);
    if (kind === null) {
      const what = h.type === 'unknown' ? `unknown entry type '${printable(h.flag)}'` : `entry type '${h.type}'`;
      result.problems.push({ path: printable(path || h.name), message: `${what} is not allowed in a snapshot` });
      return;
    }
    if (path === '') {
      if (kind !== 'dir') result.problems.push({ path: printable(h.name), message: 'the top folder must be a folder' });
      return;
    }
    // Duplicates are caught by the view builder, which knows what each path fills in; a
    // Set of every path here cost more than the rest of the entry handling.
    // One object shape for every kind keeps the sink's property reads monomorphic.
    sink({
      path,
      kind,
      data: kind === 'file' ? (data ?? EMPTY) : undefined,
      target: kind === 'symlink' ? h.linkname : undefined,
      parts: rest,
    });
  };

  const walker = new TarWalker(limits, onEntry);
  const source = bytes === undefined ? createReadStream(file, { highWaterMark: 1 << 20 }) : Readable.from([bytes]);
  // zlib passes stream options on to its Transform; a deep read buffer lets inflating run ahead.
  const gunzipOptions: ZlibOptions & TransformOptions = { chunkSize: 1 << 18, readableHighWaterMark: 1 << 22 };
  const gunzip = createGunzip(gunzipOptions);

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      reject(translate(err));
    };
    const translate = (err: unknown): unknown => {
      if (err instanceof LimitError) return limitError(file, err.limit, limits[err.limit], err.entry);
      if (err instanceof HeaderError) {
        return new NsnapError('NOT_TAR', `${file}: not a tar archive, or a corrupt one (${err.message} at entry ${walker.entries + 1})`, {
          hint: 'a snapshot is a gzip-compressed tar written by the collector; download or copy it again',
        });
      }
      return err;
    };
    source.on('data', (chunk: string | Buffer) => {
      compressed += chunk.length;
    });
    source.on('error', (e: NodeJS.ErrnoException) => fail(new NsnapError('IO_ERROR', `${file}: read error (${e.code ?? e.message})`)));
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
    let lastReport = 0;
    // Paused mode on purpose: zlib queues the next inflate on the thread pool before the
    // 'readable' handler walks this chunk, so inflating and walking overlap on two cores.
    // A 'data' handler runs inside zlib's callback and serialises the two.
    gunzip.on('readable', () => {
      let chunk: Buffer | null;
      while (!settled && (chunk = gunzip.read() as Buffer | null) !== null) {
        try {
          walker.push(chunk);
        } catch (e) {
          fail(e);
          return;
        }
        if (progress && walker.entries - lastReport >= 4096) {
          lastReport = walker.entries;
          progress(compressed, walker.entries);
        }
      }
    });
    gunzip.on('end', () => {
      if (settled) return;
      const how = walker.end();
      if (how === 'mid-entry') {
        fail(
          new NsnapError(
            'TRUNCATED',
            `${file}: the tar archive inside is truncated${walker.cutEntry() !== null ? ` in entry ${printable(walker.cutEntry() as string)}` : ''}`,
            {
              hint: 'the file was cut short; download or copy it again',
            },
          ),
        );
      } else if (how === 'no-marker') {
        fail(
          new NsnapError(
            'TRUNCATED',
            walker.entries === 0
              ? `${file}: not a tar archive (no entries)`
              : `${file}: the tar archive inside ends without its end-of-archive marker`,
            { hint: 'the archive was cut short before it was compressed; capture or copy it again' },
          ),
        );
      } else {
        settled = true;
        resolve();
      }
    });
    source.pipe(gunzip);
  });
  result.entries = walker.entries;
  result.bytes = walker.bytes;
  if (progress) progress(compressed, walker.entries);
  return result;
}
