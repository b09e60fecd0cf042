// Applies the detectors to strings: picks non-overlapping spans by class priority, asks
// the pseudonym map for replacements, and records every replacement as a finding (for
// `--check` and for tests). Strings in, strings out; no I/O.

import type { Identities } from './identities.js';
import type { PseudonymMap } from './pseudonyms.js';
import { PSEUDONYM_CLASSES, REDACTED, type KeepSpec, type PseudonymClass, type RuleClass } from './rule-classes.js';
import { detect, isSecretName, type Span, type TextMode } from './text-rules.js';

export interface Finding {
  cls: RuleClass;
  /** Entry path, with a field for JSON entries: "proc/42/cmdline", "nsnap.json:view.hostname". */
  where: string;
  original: string;
  replacement: string;
}

const CASELESS = new Set<RuleClass>(['hostname', 'username', 'email']);

function isPseudonymClass(cls: RuleClass): cls is PseudonymClass {
  return (PSEUDONYM_CLASSES as readonly string[]).includes(cls);
}

export class Redactor {
  private readonly found = new Map<string, Finding>();
  private readonly keptLower: Set<string>;
  readonly applied = new Set<RuleClass>();

  constructor(
    readonly map: PseudonymMap,
    readonly keep: KeepSpec,
    readonly ids: Identities,
  ) {
    this.keptLower = new Set([...keep.literals].map((l) => l.toLowerCase()));
  }

  private kept(cls: RuleClass, original: string): boolean {
    if (this.keep.classes.has(cls)) return true;
    return CASELESS.has(cls) ? this.keptLower.has(original.toLowerCase()) : this.keep.literals.has(original);
  }

  private replacement(cls: RuleClass, original: string): string {
    return isPseudonymClass(cls) ? this.map.get(cls, original) : REDACTED;
  }

  private note(cls: RuleClass, where: string, original: string, replacement: string): void {
    this.applied.add(cls);
    const key = `${cls}\0${where}\0${original}`;
    if (!this.found.has(key)) this.found.set(key, { cls, where, original, replacement });
  }

  /** Redacts one string; `where` names it in findings. */
  text(value: string, where: string, mode: TextMode): string {
    if (value === '') return value;
    const taken: Span[] = [];
    const overlaps = (s: Span): boolean => taken.some((t) => s.start < t.end && t.start < s.end);
    for (const group of detect(value, mode, this.ids)) {
      // Kept text still shields its characters from lower classes, so it is taken too.
      for (const span of group) if (!overlaps(span)) taken.push(span);
    }
    const chosen = taken.filter((s) => !this.kept(s.cls, value.slice(s.start, s.end)));
    if (chosen.length === 0) return value;
    chosen.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const s of chosen) {
      const original = value.slice(s.start, s.end);
      const repl = this.replacement(s.cls, original);
      this.note(s.cls, where, original, repl);
      out += value.slice(at, s.start) + repl;
      at = s.end;
    }
    return out + value.slice(at);
  }

  /**
   * Redacts an argv. An option named like a secret given without '=' (`--password x`)
   * makes the next element its value.
   */
  argv(args: readonly string[], where: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < args.length; i += 1) {
      const arg = args[i] as string;
      const prev = i > 0 ? (args[i - 1] as string) : '';
      const isValue = /^-{1,2}[A-Za-z][A-Za-z0-9_.-]*$/.test(prev) && isSecretName(prev) && !arg.startsWith('-') && arg !== '';
      if (isValue && arg !== REDACTED && !this.kept('secret-option', arg)) {
        this.note('secret-option', where, arg, REDACTED);
        out.push(REDACTED);
      } else out.push(this.text(arg, where, 'element'));
    }
    return out;
  }

  /** Every finding, sorted by place, class and original: deterministic output for --check. */
  findings(): Finding[] {
    return [...this.found.values()].sort(
      (a, b) => naturalCmp(a.where, b.where) || cmp(a.cls, b.cls) || cmp(a.original, b.original) || cmp(a.replacement, b.replacement),
    );
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders "proc/9/…" before "proc/10/…". */
function naturalCmp(a: string, b: string): number {
  const ca = a.match(/[0-9]+|[^0-9]+/g) ?? [];
  const cb = b.match(/[0-9]+|[^0-9]+/g) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i += 1) {
    const x = ca[i] as string;
    const y = cb[i] as string;
    if (x === y) continue;
    if (/^[0-9]/.test(x) && /^[0-9]/.test(y)) return x.length - y.length || cmp(x, y);
    return cmp(x, y);
  }
  return ca.length - cb.length;
}
