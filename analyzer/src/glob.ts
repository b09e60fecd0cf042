// The one glob dialect of nsnap (docs/globs.md), used by role rules and by `diff --ignore`.
// Patterns and texts both come from users and captures, so matching must stay cheap on
// hostile input: every token but `*` consumes exactly one character, which lets a
// two-pointer scan with a single backtrack point decide a match in O(text × pattern)
// steps, where a backtracking regex could take exponential time. Texts are cut first.

/** Longest text a glob looks at; longer texts are cut to this many characters first. */
export const MAX_GLOB_INPUT = 4096;

export type GlobMatcher = (text: string) => boolean;

/** `[…]`: a set of ranges (a single character is a range of one), maybe negated. */
interface CharClass {
  negate: boolean;
  ranges: Array<[number, number]>;
}

const STAR = Symbol('star');
const ANY = Symbol('any');
type GlobToken = string | typeof STAR | typeof ANY | CharClass;

/** Thrown for a pattern that is not a glob of this dialect; the message says what to change. */
export class GlobSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobSyntaxError';
  }
}

/** Why a pattern is refused, or null when it parses. */
export function globProblem(pattern: string): string | null {
  try {
    parseGlob(pattern);
    return null;
  } catch (e) {
    if (e instanceof GlobSyntaxError) return e.message;
    throw e;
  }
}

/** True when the pattern holds an unescaped `*`, `?` or `[…]`. */
export function hasWildcard(pattern: string): boolean {
  return parseGlob(pattern).some((tok) => typeof tok !== 'string');
}

/** The text a wildcard-free pattern stands for (its escapes removed). */
export function globLiteral(pattern: string): string {
  const toks = parseGlob(pattern);
  if (!toks.every((tok): tok is string => typeof tok === 'string')) throw new GlobSyntaxError(`'${pattern}' has wildcards`);
  return toks.join('');
}

/** Whole-text match; see compileGlob. */
export function globMatch(pattern: string, text: string): boolean {
  return compileGlob(pattern)(text);
}

/**
 * Parses a pattern once (throws GlobSyntaxError when it is malformed) and returns a
 * whole-text matcher. A pattern without wildcards becomes a plain comparison.
 */
export function compileGlob(pattern: string): GlobMatcher {
  const toks = parseGlob(pattern);
  if (toks.every((tok) => typeof tok === 'string')) {
    const literal = toks.join('');
    return (text) => cap(text) === literal;
  }
  return (text) => matchTokens(toks, cap(text));
}

function cap(text: string): string {
  return text.length > MAX_GLOB_INPUT ? text.slice(0, MAX_GLOB_INPUT) : text;
}

function oneChar(tok: GlobToken, c: string): boolean {
  if (tok === ANY) return true;
  if (typeof tok === 'string') return tok === c;
  if (tok === STAR) return false;
  const code = c.charCodeAt(0);
  return tok.ranges.some(([lo, hi]) => code >= lo && code <= hi) !== tok.negate;
}

// The last `*` seen is the only backtrack point: when a later token fails, that star
// takes one more character and the rest is tried again. Earlier stars never need to
// take more, because the text they would give up can only be reached again through the
// later star, so the scan is linear in the text for each position of the last star.
function matchTokens(toks: GlobToken[], text: string): boolean {
  let t = 0;
  let i = 0;
  let starI = -1;
  let starT = 0;
  while (t < text.length) {
    const tok = toks[i];
    if (tok === STAR) {
      starI = i;
      starT = t;
      i += 1;
    } else if (tok !== undefined && oneChar(tok, text[t] as string)) {
      i += 1;
      t += 1;
    } else if (starI !== -1) {
      i = starI + 1;
      starT += 1;
      t = starT;
    } else return false;
  }
  while (toks[i] === STAR) i += 1;
  return i === toks.length;
}

function parseGlob(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) out.push(pattern[++i] as string);
    else if (c === '*') {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (c === '?') out.push(ANY);
    else if (c === '[') {
      const [cls, end] = parseClass(pattern, i);
      out.push(cls);
      i = end;
    } else out.push(c);
  }
  return out;
}

/** Parses the class opening at `start`; returns it and the index of its closing `]`. */
function parseClass(pattern: string, start: number): [CharClass, number] {
  let i = start + 1;
  const negate = pattern[i] === '!' || pattern[i] === '^';
  if (negate) i += 1;
  const ranges: Array<[number, number]> = [];
  let first = true;
  for (; i < pattern.length; i += 1) {
    let c = pattern[i] as string;
    // A `]` right after `[` or `[!` is a member, as in shells; elsewhere it closes.
    if (c === ']' && !first) {
      return [{ negate, ranges }, i];
    }
    first = false;
    if (c === '\\' && i + 1 < pattern.length) c = pattern[++i] as string;
    // `a-z` is a range; a `-` first or last in the class is a member.
    if (pattern[i + 1] === '-' && pattern[i + 2] !== undefined && pattern[i + 2] !== ']') {
      let to = pattern[i + 2] as string;
      let skip = 2;
      if (to === '\\' && pattern[i + 3] !== undefined) {
        to = pattern[i + 3] as string;
        skip = 3;
      }
      const lo = c.charCodeAt(0);
      const top = to.charCodeAt(0);
      if (top < lo) throw new GlobSyntaxError(`range '${c}-${to}' in '${pattern}' runs backwards; write the lower end first`);
      ranges.push([lo, top]);
      i += skip;
      continue;
    }
    ranges.push([c.charCodeAt(0), c.charCodeAt(0)]);
  }
  throw new GlobSyntaxError(`'[' at position ${start + 1} of '${pattern}' is never closed; write '\\[' for a literal bracket`);
}
