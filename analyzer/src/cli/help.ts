// The help pages: `nsnap --help` (the overview), and `nsnap COMMAND --help` or
// `nsnap help COMMAND` (one page per command). The options section of a page is written
// from the command's option table (args.ts), so every option appears with its values and
// default; the synopsis, examples and exit codes are here.

import { optionDef, type FlagSpec, type OptionDef } from './args.js';

export interface CommandPage {
  /** One line: what the command is for. */
  about: string;
  usage: string[];
  /** A few sentences after the usage lines. */
  more?: string;
  examples: string[];
  exit: string[];
}

const VIEW =
  'A VIEW is a snapshot .tar.gz, a bundle (one file holding every level of a machine), an\n' +
  "extracted snapshot or bundle folder, a folder laid out like /proc, or '-' for a .tar.gz\n" +
  'on standard input. With no VIEW, the live /proc is read, unless standard input is a\n' +
  'pipe or a file: then nsnap refuses. Views of the same boot are merged.';

const READ_EXIT = [
  '0  success',
  '1  nothing matched, or an invalid snapshot',
  '2  usage error or unusable input',
  '3  internal error (a bug)',
];

export const PAGES: Record<string, CommandPage> = {
  tree: {
    about: 'the namespace tree of one boot, merged from every view',
    usage: ['nsnap tree [OPTIONS] [VIEW...]'],
    more: `${VIEW}\nReports (markdown, html, dot) are described in docs/reports.md.`,
    examples: [
      'nsnap tree --processes                          # this machine, with its processes',
      'nsnap tree --type net snap.tar.gz               # the net namespaces of a capture',
      'nsnap tree --format html snap.tar.gz > tree.html',
    ],
    exit: READ_EXIT,
  },
  ps: {
    about: 'one row per process, with its PID at every level',
    usage: ['nsnap ps [OPTIONS] [VIEW...]'],
    more: `${VIEW}\nFilters of one kind are alternatives; filters of different kinds must all match.`,
    examples: [
      'nsnap ps --comm sleep samples/wsl/gui-on/*.tar.gz',
      'nsnap ps --ns pid:4026532257 snap.tar.gz',
      'nsnap ps --pid 4419 --pid 1 | grep sleep       # a pipe never cuts lines',
    ],
    exit: ['0  at least one process listed', '1  no process matched, or an invalid snapshot', ...READ_EXIT.slice(2)],
  },
  pid: {
    about: 'follow one process through every PID namespace level',
    usage: ['nsnap pid PID [OPTIONS] [VIEW...]'],
    more: `PID is read in the outermost view, or in the namespace named with --in.\n${VIEW}`,
    examples: ['nsnap pid 1', 'nsnap pid 4419 --in pid:4026532257 samples/wsl/gui-on/*.tar.gz'],
    exit: ['0  found', '1  no such process, an ambiguous PID, or an invalid snapshot', ...READ_EXIT.slice(2)],
  },
  diff: {
    about: 'what changed between two captures (docs/diff.md)',
    usage: ['nsnap diff [OPTIONS] BEFORE AFTER', 'nsnap diff [OPTIONS] --before VIEW... --after VIEW...'],
    more:
      'Each side is one view, or several views of one boot. Capture labels are names, not\n' +
      'state: two captures that differ only in their labels are the same.',
    examples: [
      'nsnap diff before.tar.gz after.tar.gz',
      'nsnap diff --before before/*.tar.gz --after after/*.tar.gz --format markdown',
      "nsnap diff a.tar.gz b.tar.gz --ignore 'sleep*' --all",
    ],
    exit: ['0  no differences', '1  differences', '2  trouble: usage, unusable or invalid input, internal error (as diff(1))'],
  },
  validate: {
    about: 'check snapshots against the format (docs/format.md)',
    usage: ['nsnap validate [OPTIONS] SNAPSHOT...'],
    more: 'Prints one line per valid snapshot and every problem of an invalid one.',
    examples: ['nsnap validate snap.tar.gz', 'nsnap validate samples/wsl/gui-on/*.tar.gz'],
    exit: ['0  every snapshot is valid', '1  some snapshot is invalid', '2  usage error or unusable input', '3  internal error (a bug)'],
  },
  redact: {
    about: 'a copy of a snapshot to share, with personal data and secrets replaced (docs/redaction.md)',
    usage: ['nsnap redact [OPTIONS] SNAPSHOT -o OUT', 'nsnap redact --check [OPTIONS] SNAPSHOT'],
    more:
      'The map file (OUT.map.json unless --map) links pseudonyms back to the originals: keep it\n' +
      'private, and reuse it so that several snapshots get the same pseudonyms.',
    examples: [
      'nsnap redact --check snap.tar.gz',
      'nsnap redact snap.tar.gz -o snap-shared.tar.gz',
      'nsnap redact snap.tar.gz -o shared.tar.gz --map private.map.json --keep ubuntu',
    ],
    exit: [
      '0  written (with --check: nothing would be replaced)',
      '1  --check: something would be replaced; or an invalid snapshot',
      '2  usage error or unusable input',
      '3  internal error (a bug)',
    ],
  },
};

function valueName(name: string, d: OptionDef): string {
  return d.value ?? name.toUpperCase();
}

/** One option's lines: the flag column, then what it does, its values and its default. */
function optionLines(name: string, d: OptionDef): string[] {
  const flag = `${d.short !== undefined ? `-${d.short}, ` : '    '}--${name}${d.kind === 'boolean' ? '' : ` ${valueName(name, d)}`}`;
  const notes: string[] = [];
  if (d.values !== undefined) notes.push(`one of: ${d.values.join(', ')}`);
  if (d.default !== undefined) notes.push(`default: ${d.default}`);
  const text = [d.help ?? '', ...(notes.length > 0 ? [`(${notes.join('; ')})`] : [])].filter((t) => t !== '');
  const lines: string[] = [];
  const pad = 28;
  if (flag.length + 2 > pad) {
    lines.push(`  ${flag}`);
    for (const t of text) lines.push(`${' '.repeat(pad + 2)}${t}`);
  } else {
    lines.push(`  ${flag.padEnd(pad)}${text[0] ?? ''}`);
    for (const t of text.slice(1)) lines.push(`${' '.repeat(pad + 2)}${t}`);
  }
  return lines;
}

/** The help page of one command. */
export function commandHelp(name: string, spec: FlagSpec): string {
  const page = PAGES[name] as CommandPage;
  const out = [`nsnap ${name}: ${page.about}`, '', 'usage:', ...page.usage.map((u) => `  ${u}`)];
  if (page.more !== undefined) out.push('', page.more);
  out.push('', 'options:');
  // In table order: the command's own options first, then the shared ones.
  for (const key of Object.keys(spec)) out.push(...optionLines(key, optionDef(spec, key) as OptionDef));
  out.push('', 'examples:', ...page.examples.map((e) => `  ${e}`));
  out.push('', 'exit codes:', ...page.exit.map((e) => `  ${e}`));
  return `${out.join('\n')}\n`;
}

export const OVERVIEW = `nsnap: see, save and compare how processes nest in Linux namespaces

usage: nsnap COMMAND [OPTIONS] [ARGS]

commands:
  tree      the namespace tree of one boot (default: the live /proc)
  ps        one row per process, PIDs at every level
  pid       follow one process through every level
  diff      what changed between two captures
  validate  check snapshots against the format
  redact    a copy of a snapshot to share, personal data replaced
  collect   capture this view into a snapshot, or with --wsl every level of a WSL machine
            into one bundle (runs the collector script)
  help      nsnap help COMMAND shows a command's options, examples and exit codes

${VIEW}

options:
  -h, --help     this overview; COMMAND --help for one command
  --version      the version

exit codes: 0 ok, 1 invalid snapshot or nothing found, 2 usage or unusable input,
            3 internal error (diff: 0 same, 1 different, 2 trouble, as diff(1))
docs: docs/format.md (snapshot format), docs/parent-edges.md (how parents are decided)
`;
