// The one glob dialect (docs/globs.md): its syntax, its bounded cost on hostile input, and
// that its two users, role rules and `diff --ignore`, answer alike for the same pattern.

import { describe, expect, it } from 'vitest';
import { ignoreMatcher } from '../../src/diff/index.js';
import { compileGlob, globLiteral, globMatch, globProblem, hasWildcard, MAX_GLOB_INPUT } from '../../src/glob.js';
import { compileStringTest } from '../../src/roles/string-match.js';

describe('glob syntax', () => {
  it('matches the whole text with *, ? and \\ escapes', () => {
    expect(globMatch('Relay(*)', 'Relay(123)')).toBe(true);
    expect(globMatch('Relay(*)', 'xRelay(123)')).toBe(false);
    expect(globMatch('?', '')).toBe(false);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('\\*', '*')).toBe(true);
    expect(globMatch('\\*', 'x')).toBe(false);
    expect(globMatch('a\\?', 'ab')).toBe(false);
    expect(globMatch('trailing\\', 'trailing\\')).toBe(true);
    expect(globMatch('**', '')).toBe(true);
  });

  it('has [...] classes: sets, ranges, negation, a leading ] or a dash as members', () => {
    expect(globMatch('kworker/[0-9]*', 'kworker/3:1')).toBe(true);
    expect(globMatch('kworker/[0-9]*', 'kworker/u8:2')).toBe(false);
    expect(globMatch('vi[mn]', 'vim')).toBe(true);
    expect(globMatch('vi[!mn]', 'vim')).toBe(false);
    expect(globMatch('vi[^mn]', 'vio')).toBe(true);
    expect(globMatch('[]]', ']')).toBe(true);
    expect(globMatch('[!]]', ']')).toBe(false);
    expect(globMatch('[a-]', '-')).toBe(true);
    expect(globMatch('[-a]', '-')).toBe(true);
    expect(globMatch('[\\]x]', ']')).toBe(true);
    expect(globMatch('[a\\-z]', 'b')).toBe(false);
    expect(globMatch('[*?]', '*')).toBe(true);
    expect(globMatch('[*?]', 'x')).toBe(false);
    expect(globMatch('\\[x]', '[x]')).toBe(true);
  });

  it('refuses malformed patterns with a message that says what to write', () => {
    expect(globProblem('ok[a-z]*')).toBeNull();
    expect(globProblem('vi[m')).toBe("'[' at position 3 of 'vi[m' is never closed; write '\\[' for a literal bracket");
    expect(globProblem('[]')).toMatch(/never closed/);
    expect(globProblem('[z-a]')).toBe("range 'z-a' in '[z-a]' runs backwards; write the lower end first");
    expect(() => compileGlob('[')).toThrow(/never closed/);
  });

  it('tells wildcards from literals, escapes included', () => {
    expect(hasWildcard('sleep')).toBe(false);
    expect(hasWildcard('sleep\\*')).toBe(false);
    expect(globLiteral('sleep\\*')).toBe('sleep*');
    expect(hasWildcard('sleep*')).toBe(true);
    expect(hasWildcard('[s]leep')).toBe(true);
  });

  it('cuts texts at MAX_GLOB_INPUT characters before matching', () => {
    const long = `${'a'.repeat(MAX_GLOB_INPUT)}b`;
    expect(globMatch('*b', long)).toBe(false);
    expect(globMatch('a*', long)).toBe(true);
    expect(globMatch('a'.repeat(MAX_GLOB_INPUT), long)).toBe(true);
  });

  it('stays fast on a pattern a backtracking regex takes exponential time for', () => {
    // As a regex, ^a.*a.*…a.*b$ on a run of a's tries every way to split the run among
    // the stars before failing: about n^k steps for k stars (4000^12 here). The glob
    // matcher backtracks only to the last star, so it needs at most text × pattern steps.
    const pattern = `${'a*'.repeat(12)}b`;
    const text = 'a'.repeat(4000);
    const started = process.hrtime.bigint();
    expect(globMatch(pattern, text)).toBe(false);
    expect(ignoreMatcher(pattern)(text)).toBe(false);
    expect(compileStringTest(pattern)(text)).toBe(false);
    expect(globMatch(pattern, `${text}b`)).toBe(true);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeLessThan(2000);
  });
});

describe('rules and --ignore agree', () => {
  const texts = [
    '',
    'sleep',
    'sleep 1000',
    'vim notes.txt',
    'kworker/0:1',
    'kworker/u8:2',
    '/usr/bin/containerd-shim-runc-v2 -namespace moby',
    'Relay(42)',
    'a*b',
    '[x]',
    'weird\nname',
  ];
  const globs = [
    'sleep*',
    'l?ss *',
    'vi[m]*',
    'kworker/[0-9]*',
    '*containerd-shim*',
    'Relay(*)',
    'a\\*b',
    '\\[x]',
    '*[!a-z]*',
    'weird?name',
  ];

  it('a pattern with a wildcard matches the same whole texts for both', () => {
    for (const g of globs) {
      const rule = compileStringTest(g);
      const ignore = ignoreMatcher(g);
      for (const t of texts) expect([g, t, ignore(t)]).toEqual([g, t, rule(t)]);
    }
  });

  it('a pattern without one is exact for rules and a substring for --ignore, of the same literal', () => {
    for (const lit of ['sleep', 'a\\*b', 'notes']) {
      const rule = compileStringTest(lit);
      const ignore = ignoreMatcher(lit);
      const contains = compileStringTest(`*${lit}*`);
      for (const t of texts) {
        expect([lit, t, rule(t)]).toEqual([lit, t, t === globLiteral(lit)]);
        expect([lit, t, ignore(t)]).toEqual([lit, t, contains(t)]);
      }
    }
  });

  it('both refuse the same malformed pattern', () => {
    expect(() => ignoreMatcher('vi[m')).toThrow(/never closed/);
    // The rules loader adds the file, rule and field (test/roles/load-rules.test.ts).
    expect(() => compileStringTest('vi[m')).toThrow(/never closed/);
    expect(() => compileStringTest({ glob: ['ok', 'vi[m'] })).toThrow(/never closed/);
  });
});
