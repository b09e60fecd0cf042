// YAML output as a stream of text pieces, byte for byte what the yaml package's
// `stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 })` gives, without its
// document tree (several objects per value, many times the model's size, and most of
// the time of `--format yaml`).
//
// The layout is written here: block mappings and sequences, two spaces a level,
// sequences indented under their key, `{}` and `[]` for empty ones, a mapping or
// sequence inside a sequence item starting on the dash's line. Scalars are where YAML is
// subtle (quoting, block scalars, strings that would read back as numbers or booleans):
// strings in a small, safe alphabet are written plain, and every other string is
// rendered once by the yaml package itself, as the value of a one-key mapping, and
// reused. A value the layout does not cover (not plain data, or a key that would need
// YAML's explicit `? ` form) sends the whole document to the yaml package instead, so
// the output is always the package's.

import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { PieceBuffer, type Write } from './json-stream.js';

const require = createRequire(import.meta.url);

export const YAML_OPTIONS = Object.freeze({ aliasDuplicateObjects: false, lineWidth: 0 });

/**
 * Strings the yaml package writes plain, whatever their context: a letter, '_' or '/'
 * first (so never a number, an indicator or a tag), then word characters and a few
 * punctuation marks, with single spaces and colons only between them (so no ': ', ' #',
 * or trailing space). The words YAML 1.2 reads as booleans or null are excluded below.
 * analyzer/test/report/serialize-stream.test.ts checks this against the package.
 */
const PLAIN = /^[A-Za-z_/][\w./@+,=()-]*(?:[ :][\w./@+,=()-]+)*$/;
const RESERVED = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;

type Stringify = (typeof Yaml)['stringify'];

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function number(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? '.nan' : n < 0 ? '-.inf' : '.inf';
  return Object.is(n, -0) ? '-0' : JSON.stringify(n);
}

class YamlWriter {
  /** Renderings of strings and keys outside the plain alphabet, made by the package once each. */
  private readonly values = new Map<string, string>();
  private readonly keys = new Map<string, string | null>();

  constructor(private readonly stringify: Stringify) {}

  /** A string as a mapping value or sequence item; continuation lines sit at column 2. */
  private stringText(s: string): string {
    if (PLAIN.test(s) && !RESERVED.test(s)) return s;
    let text = this.values.get(s);
    if (text === undefined) {
      const doc = this.stringify({ k: s }, YAML_OPTIONS);
      text = doc.slice(3, -1); // "k: " ... "\n"
      this.values.set(s, text);
    }
    return text;
  }

  /** A mapping key on one line, or null when YAML needs its explicit form. */
  keyText(k: string): string | null {
    // YAML caps an implicit key at 1024 characters; longer ones take the package's path.
    if (k.length <= 1000 && PLAIN.test(k) && !RESERVED.test(k)) return k;
    let text = this.keys.get(k);
    if (text === undefined) {
      const doc = this.stringify({ [k]: null }, YAML_OPTIONS);
      text = doc.endsWith(': null\n') && doc.indexOf('\n') === doc.length - 1 && !doc.startsWith('? ') ? doc.slice(0, -7) : null;
      this.keys.set(k, text);
    }
    return text;
  }

  /** True when every part of `v` is plain data whose keys fit on one line. */
  covers(v: unknown): boolean {
    if (v === null || v === undefined) return true;
    const t = typeof v;
    if (t === 'string' || t === 'number' || t === 'boolean') return true;
    if (t !== 'object') return false;
    if (Array.isArray(v)) {
      for (const item of v) if (!this.covers(item)) return false;
      return true;
    }
    if (!isPlainObject(v as object)) return false;
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === undefined) continue;
      if (this.keyText(key) === null || !this.covers(record[key])) return false;
    }
    return true;
  }

  /** A scalar or empty collection after "key: " or "- ", or null for a non-empty collection. */
  private inline(v: unknown, indent: string): string | null {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') {
      const text = this.stringText(v);
      // Lines of a block scalar move with their context; its empty lines stay empty.
      return text.includes('\n') ? text.replace(/\n(?=[^\n])/g, `\n${indent}`) : text;
    }
    if (typeof v === 'number') return number(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (Array.isArray(v)) return v.length === 0 ? '[]' : null;
    for (const key in v as object) if ((v as Record<string, unknown>)[key] !== undefined) return null;
    return '{}';
  }

  /** A mapping whose first line starts with `lead` and whose other lines with `indent`. */
  map(out: PieceBuffer, record: Record<string, unknown>, indent: string, lead: string): void {
    let first = true;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (v === undefined) continue;
      const line = `${first ? lead : indent}${this.keyText(key) as string}:`;
      first = false;
      const text = this.inline(v, indent);
      if (text !== null) {
        out.push(`${line} ${text}\n`);
        continue;
      }
      out.push(`${line}\n`);
      const inner = `${indent}  `;
      if (Array.isArray(v)) this.seq(out, v, inner, inner);
      else this.map(out, v as Record<string, unknown>, inner, inner);
    }
  }

  /** A sequence whose first line starts with `lead` and whose other lines with `indent`. */
  seq(out: PieceBuffer, list: unknown[], indent: string, lead: string): void {
    for (let i = 0; i < list.length; i += 1) {
      const v = list[i];
      const dash = `${i === 0 ? lead : indent}- `;
      const text = this.inline(v, indent);
      if (text !== null) out.push(`${dash}${text}\n`);
      else if (Array.isArray(v)) this.seq(out, v, `${indent}  `, dash);
      else this.map(out, v as Record<string, unknown>, `${indent}  `, dash);
    }
  }
}

/** Writes `value` as the yaml package's stringify with YAML_OPTIONS does, in pieces. */
export function writeYaml(value: unknown, write: Write): void {
  // Loaded here, not at start-up: importing yaml costs every other command ~70 ms.
  const { stringify } = require('yaml') as typeof Yaml;
  const writer = new YamlWriter(stringify);
  const collection = value !== null && typeof value === 'object';
  if (!collection || !writer.covers(value)) {
    write(stringify(value, YAML_OPTIONS));
    return;
  }
  const out = new PieceBuffer(write);
  if (Array.isArray(value)) {
    if (value.length === 0) out.push('[]\n');
    else writer.seq(out, value, '', '');
  } else {
    const record = value as Record<string, unknown>;
    if (Object.keys(record).every((k) => record[k] === undefined)) out.push('{}\n');
    else writer.map(out, record, '', '');
  }
  out.flush();
}
