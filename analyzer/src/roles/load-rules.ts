// Loads role rules: the built-in analyzer/rules/*.yaml, then user files in the order
// given. Every file is parsed with alias expansion capped (a "billion laughs" file fails
// fast), copied into null-prototype objects, validated against schemas/rules.schema.json
// and compiled. Any problem is an NsnapError that names the file, the rule and the field.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import type * as Yaml from 'yaml';
import { NsnapError, type ErrorCode } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { preparedRules, schemaValidator } from '../prepared.js';
import type { EvidenceKind, Match, MatchSpec, ProcessTest, ProcessTestSpec, Rule, RuleSet, RuleSpec, RulesFileSpec } from './rule-types.js';
import { compileStringTest, type StringMatcher, type StringTestSpec } from './string-match.js';
import { parseTemplate, type Template } from './template.js';

/** Error code for a bad rules file. */
export const RULES_ERROR_CODE: ErrorCode = 'INVALID_RULES';
export const BUILTIN_RULES_DIR = join(PROJECT_ROOT, 'analyzer', 'rules');
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_ALIASES = 100;
const MAX_NESTING = 32;

const require = createRequire(import.meta.url);
/** yaml is loaded on first use: the built-in rules usually come prepared (prepared.ts). */
type YamlModule = typeof Yaml;

/** Built-in rules first (file name order), then each user file; a later rule of the same name replaces an earlier one. */
export function loadRules(userFiles: string[] = []): RuleSet {
  const builtin = readdirSync(BUILTIN_RULES_DIR)
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => join(BUILTIN_RULES_DIR, n));
  const byName = new Map<string, Rule>();
  const files: string[] = [];
  const sources = [...builtin, ...userFiles].map((path) => {
    const shown = builtin.includes(path) ? relative(PROJECT_ROOT, path) : path;
    return { path, shown, text: readText(path, shown) };
  });
  // The built-in files as the build parsed and validated them, when their texts still match.
  const prepared = preparedRules(sources.slice(0, builtin.length).map((s) => ({ name: basename(s.path), text: s.text })));
  let order = 0;
  for (const [i, { shown, text }] of sources.entries()) {
    files.push(shown);
    const cached = prepared?.[i];
    const fileSpec = cached !== undefined ? (toPlain(cached, 0, shown) as RulesFileSpec) : parseRulesText(text, shown);
    for (const spec of fileSpec.rules) {
      byName.delete(spec.name);
      if (spec.enabled === false) continue;
      byName.set(spec.name, compileRule(spec, shown, (order += 1)));
    }
  }
  const rules = [...byName.values()].sort((a, b) => a.order - b.order);
  return { rules, files };
}

/** Parses and validates one rules file's text; `file` names it in errors. */
export function parseRulesText(text: string, file: string): RulesFileSpec {
  const { parse } = require('yaml') as YamlModule;
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: MAX_ALIASES, uniqueKeys: true, merge: false, schema: 'core' });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? 'unreadable';
    throw fail(`${file}: not valid YAML: ${msg}`);
  }
  const data = toPlain(raw, 0, file);
  const validate = schemaValidator('rules.schema.json');
  if (!validate(data)) throw fail(`${file}: ${describeErrors(validate.errors ?? [], data)}`);
  const spec = data as RulesFileSpec;
  const seen = new Set<string>();
  spec.rules.forEach((r, i) => {
    if (seen.has(r.name)) throw fail(`${file}: rule '${r.name}' (rules[${i}]), field 'name': the name is used twice in this file`);
    seen.add(r.name);
  });
  return spec;
}

function readText(path: string, shown: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new NsnapError('NOT_FOUND', `${shown}: cannot read rules file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (buf.length > MAX_FILE_BYTES) throw fail(`${shown}: rules file is larger than ${MAX_FILE_BYTES} bytes`);
  return buf.toString('utf8');
}

function fail(message: string): NsnapError {
  return new NsnapError(RULES_ERROR_CODE, message, { exitCode: 2, hint: 'see docs/roles.md for the rule format' });
}

/** Deep copy into null-prototype objects, so keys like __proto__ stay plain data. */
function toPlain(v: unknown, depth: number, file: string): unknown {
  if (depth > MAX_NESTING) throw fail(`${file}: nested deeper than ${MAX_NESTING} levels`);
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1, file));
  if (v !== null && typeof v === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      Object.defineProperty(out, key, {
        value: toPlain((v as Record<string, unknown>)[key], depth + 1, file),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

const KEYWORD_RANK = ['additionalProperties', 'required', 'propertyNames', 'enum', 'const', 'pattern'];

/** The most specific schema errors, as "rule 'x' (rules[3]), field 'match.init.comm': …". */
function describeErrors(errors: ErrorObject[], data: unknown): string {
  const rank = (e: ErrorObject): number => {
    const i = KEYWORD_RANK.indexOf(e.keyword);
    return i === -1 ? (e.keyword === 'oneOf' || e.keyword === 'if' ? 99 : 50) : i;
  };
  const sorted = [...errors].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length || rank(a) - rank(b));
  const out: string[] = [];
  for (const e of sorted) {
    const line = describeError(e, data);
    if (!out.includes(line)) out.push(line);
    if (out.length === 3) break;
  }
  return out.join('; ');
}

function describeError(e: ErrorObject, data: unknown): string {
  const parts = e.instancePath.split('/').slice(1);
  let where = '';
  let fieldParts = parts;
  if (parts[0] === 'rules' && parts[1] !== undefined) {
    const index = Number(parts[1]);
    const rules = (data as { rules?: unknown[] }).rules;
    const rule = Array.isArray(rules) ? (rules[index] as { name?: unknown } | undefined) : undefined;
    const name = rule && typeof rule.name === 'string' ? `'${rule.name.slice(0, 64)}' ` : '';
    where = `rule ${name}(rules[${index}]), `;
    fieldParts = parts.slice(2);
  }
  const extra =
    e.keyword === 'additionalProperties'
      ? String((e.params as { additionalProperty: string }).additionalProperty)
      : e.keyword === 'required'
        ? String((e.params as { missingProperty: string }).missingProperty)
        : null;
  if (extra !== null) fieldParts = [...fieldParts, extra];
  const field = fieldParts.length === 0 ? '(top level)' : fieldParts.join('.');
  let message = e.message ?? 'invalid';
  if (e.keyword === 'additionalProperties') message = 'unknown field';
  else if (e.keyword === 'required') message = 'missing';
  else if (e.keyword === 'enum') message += ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
  return `${where}field '${field.slice(0, 120)}': ${message}`;
}

// ---- compiling ----

interface Ctx {
  file: string;
  rule: string;
}

function compileRule(spec: RuleSpec, file: string, order: number): Rule {
  const ctx = { file, rule: spec.name };
  const labels = (Array.isArray(spec.label) ? spec.label : [spec.label ?? '']).map((l, i) =>
    guard(ctx, Array.isArray(spec.label) ? `label[${i}]` : 'label', (): Template => parseTemplate(l)),
  );
  const kinds = (spec.evidence ?? []).filter((e): e is EvidenceKind => typeof e === 'string');
  const extra = (spec.evidence ?? []).flatMap((e, i) =>
    typeof e === 'string' ? [] : [{ test: processTest(e.processes, ctx, `evidence[${i}].processes`), as: e.as ?? 'processes' }],
  );
  return {
    name: spec.name,
    role: spec.role ?? 'unknown',
    priority: spec.priority ?? 0,
    match: compileMatch(spec.match ?? {}, ctx, 'match'),
    labels,
    evidence: spec.evidence === undefined ? null : kinds,
    extraEvidence: extra,
    file,
    order,
  };
}

function guard<T>(ctx: Ctx, field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fail(`${ctx.file}: rule '${ctx.rule}', field '${field}': ${(e as Error).message}`);
  }
}

function str(spec: StringTestSpec, ctx: Ctx, field: string): StringMatcher {
  return guard(ctx, field, () => compileStringTest(spec));
}

function ints(v: number | number[] | undefined): number[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function describeSpec(spec: StringTestSpec): string {
  if (typeof spec === 'string') return spec;
  if (Array.isArray(spec)) return spec.join('|');
  const [k, v] = Object.entries(spec)[0] ?? ['?', '?'];
  return `${k} ${Array.isArray(v) ? v.join('|') : String(v)}`;
}

function processTest(spec: ProcessTestSpec, ctx: Ctx, field: string): ProcessTest {
  const text: string[] = [];
  const t: ProcessTest = { text: '' };
  if (spec.comm !== undefined) {
    t.comm = str(spec.comm, ctx, `${field}.comm`);
    text.push(`comm ${describeSpec(spec.comm)}`);
  }
  if (spec.exe !== undefined) {
    t.exe = str(spec.exe, ctx, `${field}.exe`);
    text.push(`exe ${describeSpec(spec.exe)}`);
  }
  if (spec.cmdline !== undefined) {
    t.cmdline = str(spec.cmdline, ctx, `${field}.cmdline`);
    text.push(`cmdline ${describeSpec(spec.cmdline)}`);
  }
  if (spec.cgroup !== undefined) {
    t.cgroup = str(spec.cgroup, ctx, `${field}.cgroup`);
    text.push(`cgroup ${describeSpec(spec.cgroup)}`);
  }
  if (spec.uid !== undefined) {
    t.uid = ints(spec.uid);
    text.push(`uid ${t.uid?.join('|')}`);
  }
  if (spec.pid !== undefined) {
    t.pid = ints(spec.pid);
    text.push(`pid ${t.pid?.join('|')}`);
  }
  if (spec.kernelThread !== undefined) {
    t.kernelThread = spec.kernelThread;
    text.push(spec.kernelThread ? 'kernel thread' : 'not a kernel thread');
  }
  t.text = text.join(', ');
  return t;
}

function compileMatch(spec: MatchSpec, ctx: Ctx, field: string): Match {
  const m: Match = {};
  if (spec.inode !== undefined) m.inode = ints(spec.inode);
  if (spec.outermost !== undefined) m.outermost = spec.outermost;
  if (spec.depth !== undefined) {
    m.depth =
      typeof spec.depth === 'number' ? { min: spec.depth, max: spec.depth } : { min: spec.depth.min ?? 0, max: spec.depth.max ?? 64 };
  }
  if (spec.parentRole !== undefined) m.parentRole = Array.isArray(spec.parentRole) ? spec.parentRole : [spec.parentRole];
  if (spec.init !== undefined) m.init = processTest(spec.init, ctx, `${field}.init`);
  if (spec.initParent !== undefined) m.initParent = processTest(spec.initParent, ctx, `${field}.initParent`);
  if (spec.initAncestor !== undefined) m.initAncestor = processTest(spec.initAncestor, ctx, `${field}.initAncestor`);
  for (const key of ['allOf', 'anyOf', 'noneOf'] as const) {
    const list = spec[key];
    if (list !== undefined) m[key] = list.map((p, i) => processTest(p, ctx, `${field}.${key}[${i}]`));
  }
  if (spec.count !== undefined) {
    m.count = {
      of: spec.count.of === undefined ? null : processTest(spec.count.of, ctx, `${field}.count.of`),
      min: spec.count.min ?? 0,
      max: spec.count.max ?? Number.MAX_SAFE_INTEGER,
    };
  }
  if (spec.cgroup !== undefined) m.cgroup = str(spec.cgroup, ctx, `${field}.cgroup`);
  if (spec.newCgroup !== undefined) m.newCgroup = spec.newCgroup;
  if (spec.kernel !== undefined) m.kernel = str(spec.kernel, ctx, `${field}.kernel`);
  for (const key of ['osRelease', 'env'] as const) {
    const fields = spec[key];
    if (fields !== undefined) {
      m[key] = Object.keys(fields)
        .sort()
        .map((k): [string, StringMatcher] => [k, str(fields[k] as StringTestSpec, ctx, `${field}.${key}.${k}`)]);
    }
  }
  if (spec.any !== undefined) m.any = spec.any.map((s, i) => compileMatch(s, ctx, `${field}.any[${i}]`));
  return m;
}
