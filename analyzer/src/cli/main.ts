// The nsnap command line: argv in, text out, an exit code back. The only layer that
// touches process.argv, stdout and the exit code.
//   0 success, 1 invalid snapshot or nothing found, 2 usage or unusable input, 3 internal error.

import { existsSync, fstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NsnapError, UsageError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { termSafe } from '../render/escape.js';
import { HelpRequested, type FlagSpec } from './args.js';
import { hintFor, type Io } from './common.js';
import { commandHelp, OVERVIEW } from './help.js';

/** A command: its option table (for its help page) and what it does. */
interface Command {
  flags: FlagSpec;
  run: (argv: string[], io: Io) => Promise<number>;
}

// Each command's module is imported when it runs: loading all of them (renderers, diff,
// redaction) cost every start about 40 ms more than loading the one in use.
const COMMANDS: Record<string, () => Promise<Command>> = {
  tree: async () => {
    const m = await import('./commands/tree.js');
    return { flags: m.FLAGS, run: m.treeCommand };
  },
  ps: async () => {
    const m = await import('./commands/ps.js');
    return { flags: m.FLAGS, run: m.psCommand };
  },
  pid: async () => {
    const m = await import('./commands/pid.js');
    return { flags: m.FLAGS, run: m.pidCommand };
  },
  diff: async () => {
    const m = await import('./commands/diff.js');
    return { flags: m.FLAGS, run: m.diffCommand };
  },
  validate: async () => {
    const m = await import('./commands/validate.js');
    return { flags: m.FLAGS, run: m.validateCommand };
  },
  redact: async () => {
    const m = await import('./commands/redact.js');
    return { flags: m.FLAGS, run: m.redactCommand };
  },
  // The collector script parses its own options and prints its own help.
  collect: async () => {
    const { collectCommand } = await import('./commands/collect.js');
    return { flags: {}, run: (argv) => collectCommand(argv) };
  },
};

function loader(name: string): (() => Promise<Command>) | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) throw new UsageError('no command given');
    if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
      io.stdout(OVERVIEW);
      return 0;
    }
    if (name === '--version') {
      io.stdout(`nsnap ${version()}\n`);
      return 0;
    }
    if (name === 'help') {
      const topic = rest[0] as string;
      const load = loader(topic);
      if (load === undefined || rest.length > 1) throw new UsageError(`'nsnap help' takes one command name, not '${rest.join(' ')}'`);
      const command = await load();
      if (topic === 'collect') return await command.run(['--help'], io);
      io.stdout(commandHelp(topic, command.flags));
      return 0;
    }
    const load = loader(name);
    if (load === undefined) throw new UsageError(`unknown command '${name}'`);
    const command = await load();
    try {
      return await command.run(rest, io);
    } catch (e) {
      if (e instanceof HelpRequested) {
        io.stdout(commandHelp(name, e.spec));
        return 0;
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof NsnapError) {
      io.stderr(`nsnap: ${termSafe(e.message).replace(/\\x0a/g, '\n')}\n`);
      // A usage error points at the help of the command in use.
      const hint = e instanceof UsageError && name !== undefined && loader(name) !== undefined ? `try 'nsnap ${name} --help'` : e.hint;
      if (hint) io.stderr(`  hint: ${hintFor(hint, io)}\n`);
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

/**
 * How to run nsnap in a hint: in the root folder of a clone (the TypeScript sources are
 * there) it is './bin/nsnap'; an installed package is on PATH as 'nsnap'.
 */
function programName(): string {
  const clone = existsSync(join(PROJECT_ROOT, 'analyzer', 'src'));
  return clone && process.cwd() === PROJECT_ROOT ? './bin/nsnap' : 'nsnap';
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
    stdoutColumns: process.stdout.columns,
    prog: programName(),
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
