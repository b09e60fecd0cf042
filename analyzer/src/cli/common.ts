// What every reading command shares: the flags for limits, format and colour, loading
// the views (the live /proc when none is named, never when standard input carries data),
// and the output stream.

import { statSync } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../archive/limits.js';
import { buildAnalysis } from '../model/build.js';
import type { Analysis } from '../model/types.js';
import { LIVE, loadInput, STDIN } from '../source/load.js';
import { absentLevelNote } from './bundle-notes.js';
import { NsnapError, UsageError } from '../errors.js';
import type { ViewData } from '../snapshot/view-data.js';
import { COLOR, PLAIN, type Style } from '../render/style.js';
import { bool, choice, list, num, type FlagSpec, type Parsed } from './args.js';
import { createProgress } from './progress.js';
import { applyRoles, loadRules } from '../roles/index.js';

const MIB = 1024 * 1024;

/** Bytes as --help shows a default: "1 GiB", "16 MiB". */
function bytesText(n: number): string {
  if (n % (1024 * MIB) === 0) return `${n / (1024 * MIB)} GiB (${n})`;
  if (n % MIB === 0) return `${n / MIB} MiB (${n})`;
  return String(n);
}

/** Every command: help, quiet, and the limits for untrusted snapshots (docs/format.md). */
export const BASE_FLAGS: FlagSpec = {
  help: { kind: 'boolean', short: 'h', help: 'show this help' },
  quiet: { kind: 'boolean', help: 'no progress line on stderr' },
  'max-total-bytes': {
    kind: 'number',
    value: 'N',
    help: 'refuse a snapshot over N uncompressed bytes',
    default: bytesText(DEFAULT_LIMITS.maxTotalBytes),
  },
  'max-entries': {
    kind: 'number',
    value: 'N',
    help: 'refuse a snapshot of more than N entries',
    default: String(DEFAULT_LIMITS.maxEntries),
  },
  'max-entry-size': {
    kind: 'number',
    value: 'N',
    help: 'refuse a snapshot with one entry over N bytes',
    default: bytesText(DEFAULT_LIMITS.maxEntrySize),
  },
  'max-path-depth': {
    kind: 'number',
    value: 'N',
    help: 'refuse entries nested deeper than N below the top folder',
    default: String(DEFAULT_LIMITS.maxPathDepth),
  },
};

export const STYLE_FLAGS: FlagSpec = {
  color: { kind: 'boolean', help: 'colour the text output even when it is not a terminal' },
  'no-color': { kind: 'boolean', help: 'never colour (NO_COLOR=1 does the same)', default: 'colour on a terminal only' },
};

export const FORMAT_FLAG: FlagSpec = {
  format: { kind: 'string', values: ['text', 'json', 'yaml'], default: 'text', help: 'output format' },
};

export const RULES_FLAG: FlagSpec = {
  rules: { kind: 'list', value: 'FILE', help: 'extra role rules (docs/roles.md); repeatable' },
};

/** The options of the reading commands tree, ps, pid and diff. */
export const COMMON_FLAGS: FlagSpec = { ...FORMAT_FLAG, ...STYLE_FLAGS, ...RULES_FLAG, ...BASE_FLAGS };

/** A hint with every `nsnap COMMAND` written the way this user runs nsnap. */
export function hintFor(hint: string, io: Io): string {
  const prog = io.prog ?? 'nsnap';
  return prog === 'nsnap' ? hint : hint.replace(/(^|[\s'`(])nsnap (?=[a-z])/g, `$1${prog} `);
}

/** Views whose boot ids differ are merged only on proof of one kernel, or when asked. */
export const SAME_BOOT_FLAG: FlagSpec = {
  'same-boot': {
    kind: 'boolean',
    help: 'merge views whose boot ids differ although nothing proves one kernel (docs/parent-edges.md)',
  },
};

/** Text output of tree, ps, pid and diff: cut to the terminal's width unless --wide. */
export const WIDE_FLAG: FlagSpec = {
  wide: { kind: 'boolean', help: 'on a terminal, do not cut lines to its width (a pipe never cuts)' },
};

export const DATA_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof DATA_FORMATS)[number];
/** `tree` also renders reports: see docs/reports.md. */
export const TREE_FORMATS = [...DATA_FORMATS, 'markdown', 'html', 'dot'] as const;
export type TreeFormat = (typeof TREE_FORMATS)[number];

export function treeFormatFrom(p: Parsed): TreeFormat {
  return choice(p, 'format', TREE_FORMATS, 'text');
}

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /**
   * True when standard input is a pipe or a file: data was meant for us, so a command
   * with no view refuses rather than reading the live /proc (main.ts sets it).
   */
  stdinHasData?: boolean;
  /** Reads standard input whole, for the view `-`. */
  readStdin?: () => Promise<Buffer>;
  /** For the progress line (cli/progress.ts); absent means no progress is drawn. */
  stderrIsTTY?: boolean;
  columns?: number;
  /** How the user runs nsnap, for hints: './bin/nsnap' in a clone's root folder (see main.ts). */
  prog?: string;
  /** The terminal width of stdout, when it is a terminal (cli/width.ts). */
  stdoutColumns?: number;
  now?: () => number;
}

/** A limit flag's value: a whole number of at least 1 (0 would refuse every snapshot). */
function limitFlag(p: Parsed, name: string, fallback: number): number {
  const v = num(p, name);
  if (v === undefined) return fallback;
  if (v < 1) throw new UsageError(`option '--${name}' needs a whole number of at least 1, not '${v}'`);
  return v;
}

export function limitsFrom(p: Parsed): Limits {
  return {
    maxTotalBytes: limitFlag(p, 'max-total-bytes', DEFAULT_LIMITS.maxTotalBytes),
    maxEntries: limitFlag(p, 'max-entries', DEFAULT_LIMITS.maxEntries),
    maxEntrySize: limitFlag(p, 'max-entry-size', DEFAULT_LIMITS.maxEntrySize),
    maxPathDepth: limitFlag(p, 'max-path-depth', DEFAULT_LIMITS.maxPathDepth),
  };
}

export function formatFrom(p: Parsed): OutputFormat {
  return choice(p, 'format', DATA_FORMATS, 'text');
}

export function styleFrom(p: Parsed, io: Io): Style {
  if (bool(p, 'no-color')) return PLAIN;
  if (bool(p, 'color')) return COLOR;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return PLAIN;
  return io.isTTY ? COLOR : PLAIN;
}

function fileSize(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/** The problem that says a tarball or folder is no snapshot at all: no manifest. */
export const NOT_A_SNAPSHOT = 'this is not an nsnap snapshot (no nsnap.json)';

/**
 * A view's problems with the real cause first: without nsnap.json every other entry is
 * "unexpected", and the missing manifest, found last, is the one that explains them.
 * When the archive has no entries at all, or its nsnap.json was refused for what it is
 * (a FIFO, a link), that is the cause, and "missing" is left out: it only repeats it.
 */
export function problemsCauseFirst<T extends { path: string; message: string }>(problems: T[]): T[] {
  const isMissing = (p: T): boolean => p.path === 'nsnap.json' && p.message.startsWith('missing');
  const missing = problems.findIndex(isMissing);
  const cause = problems.findIndex((p) => p.message.startsWith('empty archive') || (p.path === 'nsnap.json' && !isMissing(p)));
  if (cause !== -1) {
    const rest = problems.filter((p, i) => i !== cause && !(missing !== -1 && i === missing));
    return [problems[cause] as T, ...rest];
  }
  if (missing === -1) return problems;
  return [{ ...(problems[missing] as T), message: NOT_A_SNAPSHOT }, ...problems.filter((_, i) => i !== missing)];
}

/**
 * "FILE: ENTRY: what is wrong", without the entry when the problem is the whole file's
 * (no manifest, no entries).
 */
export function problemText(file: string, problem: { path: string; message: string }): string {
  const whole = problem.message === NOT_A_SNAPSHOT || problem.path === file || problem.path === '';
  return whole ? `${file}: ${problem.message}` : `${file}: ${problem.path}: ${problem.message}`;
}

/** Refuses `-` twice, and no view at all when standard input carries data. */
export function checkInputs(inputs: string[], io?: Io): void {
  if (inputs.filter((i) => i === STDIN).length > 1) throw new UsageError("'-' (standard input) can be named once only");
  if (inputs.length === 0 && io?.stdinHasData === true) {
    throw new UsageError(
      "standard input is a pipe or a file, but no view was named; add '-' to read the snapshot from it " +
        "(for example 'sh nsnap-collect.sh -o - | nsnap tree -'), or name /proc to read this machine's live /proc",
    );
  }
}

/**
 * Loads every named view (or the live /proc) and refuses invalid snapshots. With `io`, one
 * progress line on stderr covers all views (compressed bytes of all tarballs, entries).
 */
export async function loadViews(inputs: string[], p: Parsed, io?: Io): Promise<ViewData[]> {
  const limits = limitsFrom(p);
  checkInputs(inputs, io);
  const names = inputs.length === 0 ? [LIVE] : inputs;
  const sizes = names.map(fileSize);
  const bar = createProgress({
    stream: { write: (s: string) => io?.stderr(s) },
    isTTY: io?.stderrIsTTY === true,
    quiet: bool(p, 'quiet'),
    label: names.length === 1 ? `reading ${names[0] as string}` : `reading ${names.length} views`,
    totalBytes: sizes.reduce((a, b) => a + b, 0),
    ...(io?.now ? { now: io.now } : {}),
    ...(io?.columns !== undefined ? { columns: io.columns } : {}),
  });
  const views: ViewData[] = [];
  let doneBytes = 0;
  let doneEntries = 0;
  try {
    for (const [i, name] of names.entries()) {
      let entries = 0;
      const routed = await loadInput(name, {
        limits,
        progress: (bytes, n) => {
          entries = n;
          bar.update(doneBytes + bytes, doneEntries + n);
        },
        ...(io?.readStdin ? { readStdin: io.readStdin } : {}),
      });
      doneBytes += sizes[i] ?? 0;
      doneEntries += entries;
      const problems = problemsCauseFirst(
        routed.bundle === null
          ? [...routed.problems, ...(routed.views[0]?.problems ?? [])]
          : [...routed.problems, ...routed.views.flatMap((v) => v.problems.map((q) => ({ ...q, path: `${v.source}: ${q.path}` })))],
      );
      if (problems.length > 0) {
        // One sentence: the first problem names the file and the entry; validate lists them all.
        const first = problems[0] as { path: string; message: string };
        const rest = problems.length - 1;
        const more = rest > 0 ? ` (and ${rest} more ${rest === 1 ? 'problem' : 'problems'})` : '';
        if (first.message === NOT_A_SNAPSHOT) {
          throw new NsnapError('NOT_A_SNAPSHOT', `${name}: ${NOT_A_SNAPSHOT}`, {
            exitCode: 1,
            hint: "snapshots are written by 'nsnap collect' (or sh collector/nsnap-collect.sh)",
          });
        }
        throw new NsnapError('INVALID_SNAPSHOT', `${problemText(name, first)}${more}`, {
          exitCode: 1,
          hint: `run 'nsnap validate ${name}' for every problem`,
        });
      }
      if (routed.bundle !== null) {
        if (routed.views.length === 0) {
          throw new NsnapError('INVALID_SNAPSHOT', `${name}: the bundle holds no captured level`, {
            exitCode: 1,
            hint: `run 'nsnap validate ${name}' to see why each level is missing`,
          });
        }
        if (!bool(p, 'quiet')) for (const level of routed.bundle.absent) io?.stderr(`${absentLevelNote(name, level)}\n`);
      }
      views.push(...routed.views);
    }
  } finally {
    bar.done();
  }
  return views;
}

/** Loads, merges and classifies. Rules load first, so a bad rules file fails before any reading. */
export async function analyse(inputs: string[], p: Parsed, io?: Io): Promise<Analysis> {
  const rules = loadRules(list(p, 'rules'));
  const views = await loadViews(inputs, p, io);
  const analysis = buildAnalysis(views, { sameBoot: bool(p, 'same-boot') });
  applyRoles(analysis, views, rules);
  return analysis;
}
