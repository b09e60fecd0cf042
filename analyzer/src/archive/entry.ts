// The unit every input source produces: one path below the snapshot's top folder with
// its content. Tarballs, extracted folders and live /proc all become this.

export type EntryKind = 'file' | 'symlink' | 'dir';

export interface Entry {
  /** Relative path with '/' separators, e.g. "proc/123/status"; no top folder. */
  path: string;
  kind: EntryKind;
  /** File content (files only). */
  data?: Buffer;
  /** Link target (symlinks only). */
  target?: string;
  /** `path` split at '/', when the reader already has it (saves a split per entry). */
  parts?: string[];
}

export type EntrySink = (entry: Entry) => void;
