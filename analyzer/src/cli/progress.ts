// A one-line progress indicator on stderr for long reads and writes: bytes (of a known
// total when the file size is known), entries and elapsed time, redrawn in place with
// '\r' at most ten times a second and erased at the end. It stays silent when stderr is
// not a terminal, with --quiet, and for work that ends within the first second, so
// scripts, pipes and quick commands never see it. Hand-written: a library would bring
// colour, spinners and TTY detection we do not want, for thirty lines of code.

export interface ProgressStream {
  write(text: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Whether the stream is a terminal; nothing is drawn otherwise. */
  isTTY: boolean;
  quiet?: boolean;
  /** What is being done: "reading snap.tar.gz". Control characters are dropped. */
  label: string;
  /** The total of `bytes`, when known (the compressed file size). */
  totalBytes?: number | null;
  /** Milliseconds; Date.now in production, a fake clock in tests. */
  now?: () => number;
  /** What the count counts; "entries" unless given. */
  unit?: string;
  /** Terminal width; the line is cut to fit so '\r' can redraw it. */
  columns?: number;
  /** Defaults: show after 1000 ms, redraw at most every 100 ms. */
  delayMs?: number;
  intervalMs?: number;
}

export interface Progress {
  update(bytes: number, entries: number): void;
  /** Erases the line if one was drawn; further updates are ignored. */
  done(): void;
}

const NOOP: Progress = { update: () => undefined, done: () => undefined };
const ERASE = '\r\x1b[K';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Groups thousands with commas whatever the locale, so output is stable: 1,234,567. */
function count(n: number): string {
  return String(Math.floor(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function progressLine(
  label: string,
  bytes: number,
  total: number | null,
  entries: number,
  elapsedMs: number,
  unit = 'entries',
): string {
  const parts = [label];
  if (total !== null && total > 0) {
    const pct = Math.min(100, Math.floor((bytes / total) * 100));
    parts.push(`${formatBytes(bytes)} / ${formatBytes(total)} (${pct}%)`);
  } else if (bytes > 0) parts.push(formatBytes(bytes));
  parts.push(`${count(entries)} ${unit}`);
  parts.push(`${(elapsedMs / 1000).toFixed(1)} s`);
  return parts.join('  ');
}

export function createProgress(options: ProgressOptions): Progress {
  if (!options.isTTY || options.quiet === true) return NOOP;
  const now = options.now ?? Date.now;
  const delay = options.delayMs ?? 1000;
  const interval = options.intervalMs ?? 100;
  // eslint-disable-next-line no-control-regex
  const label = `nsnap: ${options.label.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}`;
  const total = options.totalBytes ?? null;
  const width = options.columns !== undefined && options.columns > 10 ? options.columns - 1 : null;
  const start = now();
  let lastDraw: number | null = null;
  let drawn = false;
  let finished = false;

  return {
    update(bytes: number, entries: number): void {
      if (finished) return;
      const t = now();
      if (t - start < delay) return;
      if (lastDraw !== null && t - lastDraw < interval) return;
      lastDraw = t;
      let line = progressLine(label, bytes, total, entries, t - start, options.unit);
      if (width !== null && line.length > width) line = `${line.slice(0, width - 1)}…`;
      options.stream.write(`${ERASE}${line}`);
      drawn = true;
    },
    done(): void {
      if (finished) return;
      finished = true;
      if (drawn) options.stream.write(ERASE);
    },
  };
}
