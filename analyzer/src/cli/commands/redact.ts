// `nsnap redact IN -o OUT [--map FILE] [--keep X]...`: writes a copy of a snapshot with
// personal and secret data replaced, and extends the private map file.
// `nsnap redact --check SNAPSHOT`: lists what would be replaced; exit 0 when nothing
// would be, 1 when something would (so scripts can gate on it). See docs/redaction.md.

import { readFileSync, statSync } from 'node:fs';
import { PROJECT_ROOT } from '../../paths.js';
import { checkRedaction, redactToFile, type Finding } from '../../redact/index.js';
import { serialize } from '../../render/serialize.js';
import { clip, termSafe } from '../../render/escape.js';
import { UsageError } from '../../errors.js';
import { bool, list, parseArgs, str, type FlagSpec } from '../args.js';
import { BASE_FLAGS, formatFrom, limitsFrom, type Io } from '../common.js';
import { createProgress, type Progress } from '../progress.js';

export const FLAGS: FlagSpec = {
  output: { kind: 'string', short: 'o', value: 'OUT', help: 'write the redacted copy to OUT' },
  check: { kind: 'boolean', help: 'write nothing; list what would be replaced' },
  map: { kind: 'string', value: 'FILE', help: 'the private pseudonym map to use and extend', default: 'OUT.map.json' },
  keep: { kind: 'list', value: 'TEXT', help: 'leave TEXT as it is (a host or user name); repeatable' },
  format: { kind: 'string', values: ['text', 'json', 'yaml'], default: 'text', help: 'output format of --check' },
  ...BASE_FLAGS,
};

/** What the progress line needs from the terminal; main() may not provide it yet. */
interface ProgressIo {
  stderrIsTTY?: boolean;
  columns?: number;
  now?: () => number;
}

function toolName(): string {
  const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string };
  return `nsnap ${pkg.version}`;
}

function fileSize(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

function progressFor(io: Io, quiet: boolean, label: string, totalBytes: number | null, unit = 'entries'): Progress {
  const pio = io as Io & ProgressIo;
  return createProgress({
    stream: { write: (s: string) => io.stderr(s) },
    isTTY: pio.stderrIsTTY === true,
    quiet,
    label,
    totalBytes,
    unit,
    ...(pio.now ? { now: pio.now } : {}),
    ...(pio.columns !== undefined ? { columns: pio.columns } : {}),
  });
}

/** Aligned, terminal-safe rows: class, place, original → replacement. */
export function renderFindings(findings: Finding[]): string {
  const rows = findings.map((f) => [f.cls, termSafe(f.where), `${clip(termSafe(f.original), 80)} → ${termSafe(f.replacement)}`]);
  const w0 = Math.max(0, ...rows.map((r) => (r[0] as string).length));
  const w1 = Math.max(0, ...rows.map((r) => (r[1] as string).length));
  return rows.map((r) => `${(r[0] as string).padEnd(w0)}  ${(r[1] as string).padEnd(w1)}  ${r[2] as string}\n`).join('');
}

export async function redactCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  const [input, ...extra] = p.positional;
  if (input === undefined) throw new UsageError('redact needs a snapshot');
  if (extra.length > 0) throw new UsageError(`redact takes one snapshot, not ${p.positional.length}`);
  const quiet = bool(p, 'quiet');
  const keep = list(p, 'keep');
  const mapFile = str(p, 'map');
  const limits = limitsFrom(p);
  const reading = progressFor(io, quiet, `reading ${input}`, fileSize(input));
  const onRead = (bytes: number, entries: number): void => reading.update(bytes, entries);
  const base = { input, keep, limits, tool: toolName(), onRead, ...(mapFile !== undefined ? { mapFile } : {}) };

  if (bool(p, 'check')) {
    if (str(p, 'output') !== undefined) throw new UsageError('--check writes nothing; drop -o');
    const format = formatFrom(p);
    let findings: Finding[];
    try {
      findings = await checkRedaction(base);
    } finally {
      reading.done();
    }
    if (format === 'text') {
      io.stdout(renderFindings(findings));
      if (!quiet) {
        io.stderr(
          findings.length === 0
            ? `nsnap: nothing to redact in ${termSafe(input)}\n`
            : `nsnap: ${findings.length} replacements would be made in ${termSafe(input)}; review them, then run 'nsnap redact ${termSafe(input)} -o OUT'\n`,
        );
      }
    } else {
      const rows = findings.map((f) => ({ class: f.cls, where: f.where, original: f.original, replacement: f.replacement }));
      io.stdout(serialize({ format: 'nsnap-redact-check', formatVersion: 1, input, findings: rows }, format));
    }
    return findings.length === 0 ? 0 : 1;
  }

  const output = str(p, 'output');
  if (output === undefined) throw new UsageError('redact needs -o OUT (or --check to only list what would change)');
  if (p.flags.has('format')) throw new UsageError('--format applies to --check only');
  let writing: Progress | null = null;
  let result;
  try {
    result = await redactToFile({
      ...base,
      output,
      onWrite: (n) => {
        reading.done();
        writing ??= progressFor(io, quiet, `writing ${output}`, null, 'processes');
        writing.update(0, n);
      },
    });
  } finally {
    reading.done();
    (writing as Progress | null)?.done();
  }
  for (const w of result.warnings) io.stderr(`nsnap: warning: ${termSafe(w)}\n`);
  if (!quiet) {
    const places = new Set(result.findings.map((f) => f.where)).size;
    io.stdout(
      `redacted ${termSafe(input)} -> ${termSafe(output)}: ${result.findings.length} replacements in ${places} places\n` +
        `map: ${termSafe(result.mapFile)} (${result.mapSize} pseudonyms; private, mode 0600: never attach it)\n`,
    );
  }
  return 0;
}
