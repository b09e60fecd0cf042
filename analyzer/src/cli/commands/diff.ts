// `nsnap diff BEFORE AFTER` or `nsnap diff --before V... --after V...`: what changed
// between two captures. Exit codes like diff(1): 0 no differences, 1 differences,
// 2 trouble. Every error maps to 2 here, including an invalid snapshot (exit 1 in the
// other commands), so that 1 always means "they differ".

import { diffAnalyses } from '../../diff/index.js';
import { NsnapError, UsageError } from '../../errors.js';
import { globProblem } from '../../glob.js';
import { renderDiffDot } from '../../render/diff-diagram.js';
import { renderDiffMarkdown } from '../../render/diff-markdown.js';
import { renderDiffText } from '../../render/diff-text.js';
import { termSafe } from '../../render/escape.js';
import { renderDiffHtml } from '../../render/html-diff.js';
import { writeSerialized } from '../../render/serialize.js';
import { loadRules } from '../../roles/index.js';
import { bool, choice, HelpRequested, list, parseArgs, type FlagSpec } from '../args.js';
import { COMMON_FLAGS, SAME_BOOT_FLAG, styleFrom, WIDE_FLAG, type Io } from '../common.js';
import { fitWidth, outputWidth } from '../width.js';
import { analyseSides } from '../side.js';

export const FLAGS: FlagSpec = {
  before: { kind: 'list', value: 'VIEW...', help: 'the views of the earlier capture (all up to the next option)' },
  after: { kind: 'list', value: 'VIEW...', help: 'the views of the later capture (all up to the next option)' },
  all: { kind: 'boolean', help: 'also compare transient processes (left out by default, docs/diff.md)' },
  ignore: {
    kind: 'list',
    value: 'PATTERN',
    help: 'leave out processes whose comm or command line contains PATTERN, or matches it as a glob (*, ?, [...], \\ escapes; docs/globs.md); repeatable',
  },
  ...COMMON_FLAGS,
  ...SAME_BOOT_FLAG,
  format: {
    kind: 'string',
    values: ['text', 'json', 'yaml', 'markdown', 'html', 'dot'],
    default: 'text',
    help: 'output format; markdown, html and dot are reports (docs/reports.md)',
  },
  ...WIDE_FLAG,
};
const FORMATS = ['text', 'json', 'yaml', 'markdown', 'html', 'dot'] as const;

/** Takes `--before V...` and `--after V...` (views up to the next option) out of argv. */
export function splitSides(argv: string[]): { rest: string[]; before: string[] | null; after: string[] | null } {
  const rest: string[] = [];
  const sides: { before: string[] | null; after: string[] | null } = { before: null, after: null };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const m = /^--(before|after)(?:=(.*))?$/.exec(arg);
    if (!m) {
      if (arg === '--') {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(arg);
      continue;
    }
    const name = m[1] as 'before' | 'after';
    const views = (sides[name] ??= []);
    if (m[2] !== undefined) views.push(m[2]);
    while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) views.push(argv[++i] as string);
    if (views.length === 0) throw new UsageError(`option '--${name}' needs at least one view`);
  }
  return { rest, ...sides };
}

export async function diffCommand(argv: string[], io: Io): Promise<number> {
  try {
    const { rest, before, after } = splitSides(argv);
    const p = parseArgs(rest, FLAGS);
    let inputs: [string[], string[]];
    if (before !== null || after !== null) {
      if (before === null || after === null) throw new UsageError('give both --before and --after');
      if (p.positional.length > 0)
        throw new UsageError(`unexpected '${p.positional[0]}': with --before/--after, name every view after one of them`);
      inputs = [before, after];
    } else {
      if (p.positional.length !== 2) throw new UsageError('nsnap diff needs two views: BEFORE AFTER (or --before V... --after V...)');
      inputs = [[p.positional[0] as string], [p.positional[1] as string]];
    }
    const format = choice(p, 'format', FORMATS, 'text');
    const ignore = list(p, 'ignore');
    for (const pattern of ignore) {
      const problem = globProblem(pattern);
      if (problem !== null) throw new UsageError(`--ignore: ${problem}`);
    }
    // Rules load first, so a bad rules file fails before any reading.
    const rules = loadRules(list(p, 'rules'));
    const [b, a] = await analyseSides(inputs[0], inputs[1], p, io.env, rules);
    const result = diffAnalyses(b.analysis, a.analysis, {
      all: bool(p, 'all'),
      ignore,
      selfPids: { before: b.selfPids, after: a.selfPids },
    });
    const sides = { before: b.analysis, after: a.analysis };
    if (format === 'text') io.stdout(fitWidth(renderDiffText(result, styleFrom(p, io)), outputWidth(io, bool(p, 'wide'))));
    else if (format === 'markdown') io.stdout(renderDiffMarkdown(result, sides));
    else if (format === 'html') io.stdout(renderDiffHtml(result, sides));
    else if (format === 'dot') io.stdout(renderDiffDot(result, sides));
    else writeSerialized(result, format, io.stdout);
    return result.changes.length === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError || e instanceof HelpRequested) throw e;
    if (e instanceof NsnapError) throw new NsnapError(e.code, e.message, { exitCode: 2, ...(e.hint ? { hint: e.hint } : {}) });
    // An internal error still means "trouble", not "different": report it like main does, exit 2.
    const err = e as Error;
    io.stderr(
      `nsnap: internal error: ${termSafe(err?.message ?? String(e))}\n  hint: this is a bug in nsnap; please report it with the command you ran\n`,
    );
    if (io.env.NSNAP_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return 2;
  }
}
