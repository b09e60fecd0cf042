// Resource limits for reading untrusted snapshots. The tar walker (tar-walker.ts) stops
// at the count and size limits, the reader (tar-reader.ts) at the path depth, and the
// folder reader (source/snapshot-dir-reader.ts) applies the same numbers. Each limit has
// a CLI flag to raise it.

export interface Limits {
  /** Total bytes of entry content after decompression. */
  maxTotalBytes: number;
  /** Number of entries, directories and symlinks included. */
  maxEntries: number;
  /** Size of one entry's content. */
  maxEntrySize: number;
  /** Path components below the top folder. */
  maxPathDepth: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // A 100k-process snapshot is about 300 MB uncompressed; 1 GiB leaves room and still
  // stops a decompression bomb within seconds.
  maxTotalBytes: 1024 * 1024 * 1024,
  // About 18 entries per process (5 files, 10 links, 2 folders and the root files).
  maxEntries: 4_000_000,
  // The kernel caps what cmdline shows far below this; status and stat are a few KiB.
  maxEntrySize: 16 * 1024 * 1024,
  // proc/<pid>/root/etc/os-release is the deepest legitimate path (5 below the top).
  maxPathDepth: 8,
});

export interface LimitInfo {
  flag: string;
  what: string;
}

export const LIMIT_INFO: Record<keyof Limits, LimitInfo> = {
  maxTotalBytes: { flag: '--max-total-bytes', what: 'total uncompressed bytes' },
  maxEntries: { flag: '--max-entries', what: 'number of entries' },
  maxEntrySize: { flag: '--max-entry-size', what: 'size of one entry' },
  maxPathDepth: { flag: '--max-path-depth', what: 'path depth' },
};
