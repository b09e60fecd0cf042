// What the tarball reader (tar-reader.ts) reports, on one thread or through its worker.

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

/** Lets the read worker hold the walk while the main thread is behind (read-worker.ts). */
export interface ReadFlow {
  ready(): boolean;
  /** Calls `resume` once, when ready() turns true again. */
  wait(resume: () => void): void;
}
