// The nsnap command line: argv in, text out, an exit code back. The only layer that
// touches process.argv, stdout and the exit code.
//   0 success, 1 invalid snapshot or nothing found, 2 usage or unusable input, 3 internal error.

import { fstatSync, readFileSync } from 'node:fs';
import { NsnapError, UsageError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { termSafe } from '../render/escape.js';
import type { Io } from './common.js';

const HELP = `nsnap: see, save and compare how processes nest in Linux namespaces

usage:
  nsnap tree [VIEW...] [--processes] [--type TYPE]   the namespace tree (default: live /proc)
  nsnap ps [VIEW...] [--pid N] [--comm TEXT] [--ns ID]
                                                     one row per process, PIDs at every level
  nsnap pid PID [--in NS] [VIEW...]                  follow one process through every level
  nsnap diff BEFORE AFTER | --before V... --after V...
             [--all] [--ignore PATTERN] [--format text|json|yaml|markdown|html|dot]
                                                     what changed between two captures (docs/diff.md)
  nsnap validate SNAPSHOT...                         check snapshots against the format
  nsnap redact SNAPSHOT -o OUT [--map FILE] [--keep X]...
                                                     a copy to share: personal data and
                                                     secrets replaced (docs/redaction.md)
  nsnap redact --check SNAPSHOT                      list what redact would replace
  nsnap collect [collector options]                  capture this view (runs the collector)

A VIEW is a snapshot .tar.gz, a bundle (one file holding every level of a machine), an
extracted snapshot or bundle folder, a folder laid out like /proc, or '-' for a .tar.gz
on standard input. Views of the same boot are merged into one model.

options for tree, ps, pid and diff:
  --format text|json|yaml     output format (default text); tree also takes
                              markdown|html|dot (see docs/reports.md)
  --color, --no-color         force colour on or off (default: on for a terminal)
  --rules FILE                extra role rules, repeatable (see docs/roles.md)
limits for untrusted snapshots (defaults in docs/format.md):
  --max-total-bytes N  --max-entries N  --max-entry-size N  --max-path-depth N

exit codes: 0 ok, 1 invalid snapshot or not found, 2 usage or unusable input, 3 internal error
            (diff: 0 same, 1 different, 2 trouble, as diff(1))
docs: docs/format.md (snapshot format), docs/parent-edges.md (how parents are decided)
`;

type Command = (argv: string[], io: Io) => Promise<number>;

// Each command's module is imported when it runs: loading all of them (renderers, diff,
// redaction) cost every start about 40 ms more than loading the one in use.
const COMMANDS: Record<string, () => Promise<Command>> = {
  tree: async () => (await import('./commands/tree.js')).treeCommand,
  ps: async () => (await import('./commands/ps.js')).psCommand,
  pid: async () => (await import('./commands/pid.js')).pidCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  redact: async () => (await import('./commands/redact.js')).redactCommand,
  collect: async () => {
    const { collectCommand } = await import('./commands/collect.js');
    return (argv) => collectCommand(argv);
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) throw new UsageError('no command given');
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout(HELP);
      return 0;
    }
    if (name === '--version') {
      io.stdout(`nsnap ${version()}\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (load === undefined) throw new UsageError(`unknown command '${name}'`);
    if (name !== 'collect' && (rest.includes('--help') || rest.includes('-h'))) {
      io.stdout(HELP);
      return 0;
    }
    const command = await load();
    return await command(rest, io);
  } catch (e) {
    if (e instanceof NsnapError) {
      io.stderr(`nsnap: ${termSafe(e.message).replace(/\\x0a/g, '\n')}\n`);
      if (e.hint) io.stderr(`  hint: ${e.hint}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    io.stderr(
      `nsnap: internal error: ${termSafe(err?.message ?? String(e))}\n  hint: this is a bug in nsnap; please report it with the command you ran\n`,
    );
    if (io.env.NSNAP_DEBUG) io.stderr(`${err?.stack ?? ''}\n`);
    return 3;
  }
}

/** Is standard input a pipe or a file (data someone meant for us), not a terminal or nothing? */
function stdinHasData(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile();
  } catch {
    return false;
  }
}

export async function main(): Promise<void> {
  // `nsnap tree | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const chunks: string[] = [];
  const code = await run(process.argv.slice(2), {
    stdout: (s) => {
      chunks.push(s);
      if (chunks.length > 64) flush();
    },
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stdout.isTTY === true,
    stdinHasData: stdinHasData(),
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    env: process.env,
  });
  flush();
  function flush(): void {
    if (chunks.length > 0) {
      process.stdout.write(chunks.join(''));
      chunks.length = 0;
    }
  }
  process.exitCode = code;
}
