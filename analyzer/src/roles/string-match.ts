// String tests used by rules: exact, prefix, substring and glob matching, plus regexes
// under a guard. Rules are user input, so every matcher runs in bounded time: inputs
// are capped, globs use the one linear matcher (../glob.ts, docs/globs.md), and regexes
// that could go catastrophic (nested or adjacent quantifiers, back-references) are
// refused at load time.

import { compileGlob, MAX_GLOB_INPUT } from '../glob.js';

/** Longest text a rule ever looks at; longer cmdlines and paths are cut before matching. */
export const MAX_INPUT = MAX_GLOB_INPUT;
/** Longest regex source a rule may carry. */
export const MAX_REGEX = 200;

export type StringMatcher = (text: string) => boolean;

/** The YAML shape: a plain string or list is a glob (exact when it has no wildcard). */
export type StringTestSpec =
  | string
  | string[]
  | {
      equals?: string | string[];
      prefix?: string | string[];
      contains?: string | string[];
      glob?: string | string[];
      regex?: string;
    };

/** Why a regex source is refused, or null when it is safe enough to compile. */
export function regexProblem(source: string): string | null {
  if (source.length > MAX_REGEX) return `longer than ${MAX_REGEX} characters`;
  if (/\\[1-9]|\\k</.test(source)) return 'back-references are not allowed';
  if (/\(\?<?[=!]/.test(source)) return 'lookaround is not allowed';
  // A quantified group that itself holds a quantifier, e.g. (a+)+ or (a|aa)*: the classic
  // exponential-backtracking shapes. Alternation inside a quantified group is refused too.
  const stripped = source.replace(/\\./g, 'x').replace(/\[[^\]]*\]/g, 'x');
  let depth = 0;
  const quantAt: boolean[] = [];
  const altAt: boolean[] = [];
  for (let i = 0; i < stripped.length; i += 1) {
    const c = stripped[i];
    if (c === '(') {
      depth += 1;
      quantAt[depth] = false;
      altAt[depth] = false;
    } else if (c === ')') {
      const inner = quantAt[depth] === true || altAt[depth] === true;
      depth = Math.max(0, depth - 1);
      const next = stripped[i + 1];
      if (next === '*' || next === '+' || next === '{' || next === '?') {
        if (inner) return 'nested quantifiers or alternation under a quantifier can backtrack catastrophically';
        quantAt[depth] = true;
      } else if (inner) quantAt[depth] = true;
    } else if (c === '*' || c === '+' || c === '{') quantAt[depth] = true;
    else if (c === '|') altAt[depth] = true;
  }
  if (/[*+}]\??[*+{]/.test(stripped)) return 'adjacent quantifiers are not allowed';
  return null;
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Compiles a spec; throws Error(message) for a refused regex or glob (the loader adds file and rule). */
export function compileStringTest(spec: StringTestSpec): StringMatcher {
  if (typeof spec === 'string' || Array.isArray(spec)) {
    const globs = list(spec).map(compileGlob);
    return (text) => {
      const t = cap(text);
      return globs.some((g) => g(t));
    };
  }
  const checks: StringMatcher[] = [];
  const eq = list(spec.equals);
  if (eq.length > 0) checks.push((t) => eq.includes(t));
  const pre = list(spec.prefix);
  if (pre.length > 0) checks.push((t) => pre.some((p) => t.startsWith(p)));
  const sub = list(spec.contains);
  if (sub.length > 0) checks.push((t) => sub.some((s) => t.includes(s)));
  const globs = list(spec.glob).map(compileGlob);
  if (globs.length > 0) checks.push((t) => globs.some((g) => g(t)));
  if (spec.regex !== undefined) {
    const problem = regexProblem(spec.regex);
    if (problem !== null) throw new Error(`regex refused: ${problem}`);
    let re: RegExp;
    try {
      re = new RegExp(spec.regex, 'u');
    } catch (e) {
      throw new Error(`regex does not compile: ${(e as Error).message}`);
    }
    checks.push((t) => re.test(t));
  }
  // Every key given must hold; a spec with no key (refused by the schema) matches nothing.
  return (text) => {
    const t = cap(text);
    return checks.length > 0 && checks.every((c) => c(t));
  };
}

function cap(text: string): string {
  return text.length > MAX_INPUT ? text.slice(0, MAX_INPUT) : text;
}
