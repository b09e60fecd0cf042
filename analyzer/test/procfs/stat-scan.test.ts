// parseStat scans for fields 3, 4 and 22 instead of splitting the whole line. It must
// read every line exactly as the split it replaced did: the reference below is that
// split, and the inputs are stat lines with hostile comms and every kind of white space
// JavaScript's \s knows, in runs, at the ends, and nothing after the comm at all.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isSpace, parseStat } from '../../src/procfs/stat.js';
import { parseUint } from '../../src/procfs/numbers.js';
import type { ParseIssue } from '../../src/procfs/status.js';

const RUNS = Number(process.env.NSNAP_FUZZ_RUNS ?? 300);

function splitReference(text: string): { record: ReturnType<typeof parseStat>; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close === -1 || close < open) {
    issues.push({ field: 'stat', message: 'no (comm) in stat' });
    return { record: { comm: null, state: null, ppid: null, starttime: null }, issues };
  }
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const startText = rest[19];
  const starttime = startText === undefined ? null : parseUint(startText);
  if (starttime === null) issues.push({ field: 'stat', message: 'no valid starttime (field 22)' });
  return {
    record: {
      comm: text.slice(open + 1, close),
      state: rest[0] ?? null,
      ppid: rest[1] === undefined ? null : parseUint(rest[1], 4_194_304),
      starttime,
    },
    issues,
  };
}

const SPACES = [
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
];
// Near misses: characters next to the white-space ranges that \s does not match.
const NOT_SPACES = ['\u0085', '\u0008', '\u000e', '\u200b', '\u180e', '\u009f', '\u2027', '\u202a'];

describe('parseStat reads fields as splitting at /\\s+/ did', () => {
  it('agrees with /\\s/ on every UTF-16 code unit', () => {
    for (let c = 0; c <= 0xffff; c += 1) expect(isSpace(c), `U+${c.toString(16)}`).toBe(/\s/.test(String.fromCharCode(c)));
  });

  it('on a real stat line and on lines cut short', () => {
    const line = '4242 (bash (x) y) S 1 4242 4242 34816 4300 4194304 1520 9 0 0 3 1 0 0 20 0 1 0 98765 8896512 1326 18446744073709551615\n';
    expect(parseStat(line, [])).toEqual({ comm: 'bash (x) y', state: 'S', ppid: 1, starttime: 98765 });
    for (let cut = 0; cut <= line.length; cut += 1) {
      const text = line.slice(0, cut);
      const issues: ParseIssue[] = [];
      const want = splitReference(text);
      expect(parseStat(text, issues), JSON.stringify(text)).toEqual(want.record);
      expect(issues).toEqual(want.issues);
    }
  });

  it('on random lines with any white space and hostile comms', () => {
    const space = fc.constantFrom(...SPACES);
    const gap = fc.array(space, { minLength: 1, maxLength: 3 }).map((a) => a.join(''));
    const token = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 53 }).map(String),
      fc.constantFrom('S', 'R', 'Z', '-1', '18446744073709551615', '0x10', '1e3', ')', '('),
      fc.string({ unit: fc.constantFrom('1', '7', 'a', ')', ...NOT_SPACES), minLength: 1, maxLength: 4 }),
    );
    const comm = fc.string({ unit: fc.constantFrom('a', ' ', '(', ')', '\n', '\u2028', 'x'), maxLength: 8 });
    const line = fc
      .tuple(fc.constantFrom('', '17 ', '1'), comm, fc.array(fc.tuple(gap, token), { maxLength: 26 }), fc.option(gap, { nil: '' }))
      .map(([pid, c, fields, tail]) => `${pid}(${c})${fields.map(([g, t]) => g + t).join('')}${tail}`);
    fc.assert(
      fc.property(fc.oneof(line, fc.string({ maxLength: 60 })), (text) => {
        const issues: ParseIssue[] = [];
        const want = splitReference(text);
        expect(parseStat(text, issues)).toEqual(want.record);
        expect(issues).toEqual(want.issues);
      }),
      { numRuns: RUNS },
    );
  });
});
