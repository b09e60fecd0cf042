// The hostile corpus against the real CLI: every case is built here (corpus.ts), run as
// `bin/nsnap validate`, `bin/nsnap tree` (and `diff` for some) in a child process, and
// must end within 10 s and 512 MiB with the expected exit code (never 3, never a signal)
// and one message that names the file, the entry and what is wrong, plus a hint line.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { buildCorpus, type CorpusCase } from './corpus.js';
import { pool, runMeasured, type Measured } from './run-measured.js';
import { NOT_A_SNAPSHOT } from '../../src/cli/common.js';

const MAX_MS = 10_000;
/**
 * The heavy cases run alone, but the test machine may be shared (CI runners, other jobs):
 * for them the 10 s bound is checked on CPU time, which load does not inflate, and wall
 * time gets twice the room. Every light case is held to 10 s of wall time.
 */
const HEAVY_WALL_MS = 2 * MAX_MS;
const MAX_RSS_MIB = 512;
/** Light runs spend part of their time starting node and waiting on pipes: three at a time keep two cores busy. */
const CONCURRENCY = 3;

interface Run {
  c: CorpusCase;
  command: 'validate' | 'tree' | 'diff';
  expected: number[];
  m: Measured;
}

let dir = '';
let cases: CorpusCase[] = [];
let runs: Run[] = [];

beforeAll(async () => {
  const built = await buildCorpus();
  dir = built.dir;
  cases = built.cases;
  const light: Array<() => Promise<Run>> = [];
  const heavy: Array<() => Promise<Run>> = [];
  for (const c of cases) {
    const flags = c.flags ?? [];
    const tasks = c.heavy ? heavy : light;
    tasks.push(async () => ({ c, command: 'validate', expected: [c.validate], m: await runMeasured(['validate', ...flags, ...c.inputs]) }));
    tasks.push(async () => ({
      c,
      command: 'tree',
      expected: [c.tree],
      m: await runMeasured(['tree', '--processes', ...flags, ...c.inputs]),
    }));
    if (c.diff) {
      // diff(1) codes: 0 same, 1 different, 2 trouble (every refusal).
      const expected = c.tree === 0 ? [0, 1] : [2];
      tasks.push(async () => ({
        c,
        command: 'diff',
        expected,
        m: await runMeasured(['diff', ...flags, c.inputs[0] as string, built.valid]),
      }));
    }
  }
  // The light cases share the cores; the CPU-heavy ones run alone, as a user would run them.
  runs = [...(await pool(light, CONCURRENCY)), ...(await pool(heavy, 1))];
}, 600_000);

afterAll(() => {
  // NSNAP_CORPUS_TIMES=1 prints the timing table; a passing run stays quiet.
  if (runs.length > 0 && process.env.NSNAP_CORPUS_TIMES) {
    const rows = runs.map(
      (r) =>
        `${String(r.m.code ?? r.m.signal).padStart(6)} ${r.m.ms.toFixed(0).padStart(6)} ms ${r.m.cpuMs.toFixed(0).padStart(6)} ms ${r.m.rssMiB.toFixed(0).padStart(4)} MiB  ${r.command.padEnd(8)} ${r.c.name}`,
    );
    console.log(`hostile corpus: ${cases.length} cases, ${runs.length} runs\n  exit   wall       cpu        peak RSS\n${rows.join('\n')}`);
    // NSNAP_CORPUS_MESSAGES=1 prints what each refusal said, for reviewing the wording.
    if (process.env.NSNAP_CORPUS_MESSAGES)
      console.log(
        runs
          .map((r) => `${r.command} ${r.c.name}:\n  ${(messageOf(r) || r.m.stdout).trim().split('\n').slice(0, 3).join('\n  ')}`)
          .join('\n'),
      );
  }
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Node's own error output: stack frames, `TypeError: …`, internal module paths. */
const NODE_NOISE = /^\s+at |\b[A-Z][A-Za-z]*Error: |node:internal|\.js:\d+/m;

function messageOf(r: Run): string {
  // validate lists the problems of a readable snapshot on stdout; every refusal is on stderr.
  return r.command === 'validate' && r.m.code === 1 ? r.m.stdout : r.m.stderr;
}

function checkRun(r: Run): void {
  const { m, c } = r;
  const what = `${r.command} ${c.name}\nstdout: ${m.stdout.slice(0, 2000)}\nstderr: ${m.stderr.slice(0, 2000)}`;
  expect(m.timedOut, what).toBe(false);
  expect(m.signal, what).toBeNull();
  expect(m.code, what).not.toBe(3);
  expect(r.expected, what).toContain(m.code);
  if (c.heavy) {
    expect(m.cpuMs, what).toBeLessThan(MAX_MS);
    expect(m.ms, what).toBeLessThan(HEAVY_WALL_MS);
  } else expect(m.ms, what).toBeLessThan(MAX_MS);
  expect(m.rssMiB, what).toBeLessThan(MAX_RSS_MIB);
  expect(m.stderr, what).not.toMatch(NODE_NOISE);
  expect(m.stderr, what).not.toMatch(/internal error/);
  if (m.code === 0 || (r.command === 'diff' && m.code === 1)) {
    expect(m.stderr, what).toBe('');
    return;
  }
  const message = messageOf(r);
  if (r.command === 'validate' && m.code === 1) {
    // One line per problem: "invalid  FILE: ENTRY: what is wrong".
    const lines = message.split('\n').filter((l) => l !== '');
    expect(lines.length, what).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line, what).toMatch(/^invalid {2}/);
      expect(
        c.inputs.some((i) => line.includes(`${i}: `)),
        what,
      ).toBe(true);
      // The cause comes first and names no entry when it is the whole file's.
      const problem = line.slice(line.indexOf(': ') + 2);
      if (problem !== NOT_A_SNAPSHOT && !problem.startsWith('empty archive: ')) expect(problem, what).toMatch(/^[^:]+: \S/);
    }
  } else {
    // One sentence naming the file, and at most a hint line.
    const lines = message.split('\n').filter((l) => l !== '');
    expect(lines.length, what).toBeGreaterThanOrEqual(1);
    expect(lines.length, what).toBeLessThanOrEqual(2);
    expect(lines[0], what).toMatch(/^nsnap: \S/);
    expect(
      c.inputs.some((i) => (lines[0] as string).includes(i)),
      what,
    ).toBe(true);
    if (lines.length === 2) expect(lines[1], what).toMatch(/^ {2}hint: \S/);
  }
  for (const piece of c.names ?? []) expect(message, what).toContain(piece);
  for (const piece of c.without ?? []) expect(message, what).not.toContain(piece);
}

describe('the hostile corpus', () => {
  it('is broad: at least 80 cases, each built at test time', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('every case exits as expected within 10 s and 512 MiB, with one clear message', () => {
    const failures: string[] = [];
    for (const r of runs) {
      try {
        checkRun(r);
      } catch (e) {
        failures.push((e as Error).message.split('\n').slice(0, 8).join('\n'));
      }
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  });

  it('exit 0 only where the case says why the input is acceptable', () => {
    for (const r of runs) if (r.m.code === 0) expect(r.c.ok, r.c.name).toMatch(/\S/);
  });
});
