// Argument parsing for every subcommand: node:util parseArgs in strict mode, driven by one
// option table per command. The same table writes the command's --help (cli/help.ts), so
// an option cannot exist without being explained. Adding an option is one table entry:
//   'same-boot': { kind: 'boolean', help: 'treat the views as one boot' },
// A bare kind ('boolean', 'string', 'number', 'list') is accepted too, but the help test
// (analyzer/test/cli/help.test.ts) fails until the entry says what the option does.

import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type FlagKind = 'boolean' | 'string' | 'number' | 'list';

export interface OptionDef {
  kind: FlagKind;
  /** One-letter alias, e.g. 'o' for -o. */
  short?: string;
  /** What --help says the value is, e.g. 'FILE' (default: the option name in capitals). */
  value?: string;
  /** One line (or a few) on what the option does. */
  help?: string;
  /** The allowed values, listed in --help. */
  values?: readonly string[];
  /** What happens without the option, as --help should say it. */
  default?: string;
}

export type FlagSpec = Record<string, FlagKind | OptionDef>;

export interface Parsed {
  flags: Map<string, string | boolean | number | string[]>;
  positional: string[];
}

/** Thrown by parseArgs for --help/-h; main prints the command's own help page. */
export class HelpRequested extends Error {
  constructor(readonly spec: FlagSpec) {
    super('help requested');
  }
}

export function optionDef(spec: FlagSpec, name: string): OptionDef | undefined {
  const v = Object.hasOwn(spec, name) ? spec[name] : undefined;
  if (v === undefined) return undefined;
  return typeof v === 'string' ? { kind: v } : v;
}

/**
 * getopt's rule for an option that takes a value: the next argument is the value, even
 * when it starts with '-' (`ps --comm -h` searches for "-h"). node:util's strict mode
 * refuses such values as ambiguous, so they are joined as `--name=value` first.
 */
function joinValues(argv: string[], spec: FlagSpec): string[] {
  const shorts = new Map<string, string>();
  for (const name of Object.keys(spec)) {
    const d = optionDef(spec, name);
    if (d?.short !== undefined) shorts.set(d.short, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith('--') ? arg.slice(2) : /^-[^-]$/.test(arg) ? shorts.get(arg.slice(1)) : undefined;
    const d = name === undefined ? undefined : optionDef(spec, name);
    if (d !== undefined && d.kind !== 'boolean' && i + 1 < argv.length) {
      out.push(`--${name}=${argv[i + 1] as string}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

/** node:util's messages are long and name its own API; ours say what to do. */
function usageFrom(e: unknown): UsageError {
  const err = e as NodeJS.ErrnoException;
  const message = err.message ?? '';
  const quoted = /'(-[^' ,]*)/.exec(message)?.[1] ?? '';
  // "Option '-o, --output <value>' argument missing": name the long form.
  const long = /'(?:-[^-], )?(--[^' ]+)/.exec(message)?.[1] ?? quoted;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option '${quoted}'`);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(err.message)) return new UsageError(`option '${long}' takes no value`);
    return new UsageError(`option '${long}' needs a value`);
  }
  return new UsageError(err.message ?? String(e));
}

export function parseArgs(argv: string[], spec: FlagSpec): Parsed {
  const options: Record<string, { type: 'boolean' | 'string'; multiple?: boolean; short?: string }> = {};
  for (const name of Object.keys(spec)) {
    const d = optionDef(spec, name) as OptionDef;
    options[name] = {
      type: d.kind === 'boolean' ? 'boolean' : 'string',
      ...(d.kind === 'list' ? { multiple: true } : {}),
      ...(d.short !== undefined ? { short: d.short } : {}),
    };
  }
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: joinValues(argv, spec), options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageFrom(e);
  }
  if (parsed.values.help === true && optionDef(spec, 'help') !== undefined) throw new HelpRequested(spec);
  const flags = new Map<string, string | boolean | number | string[]>();
  for (const name of Object.keys(spec).sort()) {
    const value = parsed.values[name];
    if (value === undefined) continue;
    const d = optionDef(spec, name) as OptionDef;
    if (d.kind === 'number') {
      const text = String(value);
      if (!/^[0-9]{1,15}$/.test(text)) throw new UsageError(`option '--${name}' needs a whole number, not '${text}'`);
      flags.set(name, Number(text));
    } else flags.set(name, value as string | boolean | string[]);
  }
  return { flags, positional: parsed.positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function num(p: Parsed, name: string): number | undefined {
  const v = p.flags.get(name);
  return typeof v === 'number' ? v : undefined;
}

export function bool(p: Parsed, name: string): boolean {
  return p.flags.get(name) === true;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function choice<T extends string>(p: Parsed, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(p, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`option '--${name}' must be one of ${allowed.join(', ')}, not '${v}'`);
  return v as T;
}
