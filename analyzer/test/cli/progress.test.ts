// The stderr progress line: silent off a terminal and with --quiet, silent for the first
// second, at most one redraw per 100 ms, and erased at the end. A fake clock and stream.

import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, progressLine, type ProgressOptions } from '../../src/cli/progress.js';

function setup(overrides: Partial<ProgressOptions> = {}): {
  writes: string[];
  tick: (ms: number) => void;
  p: ReturnType<typeof createProgress>;
} {
  const writes: string[] = [];
  let t = 5_000;
  const p = createProgress({
    stream: { write: (s: string) => writes.push(s) },
    isTTY: true,
    label: 'reading snap.tar.gz',
    totalBytes: 4 * 1024 * 1024,
    now: () => t,
    ...overrides,
  });
  return { writes, tick: (ms) => (t += ms), p };
}

describe('progress line', () => {
  it('draws nothing when stderr is not a terminal', () => {
    const { writes, tick, p } = setup({ isTTY: false });
    tick(5000);
    p.update(100, 10);
    p.done();
    expect(writes).toEqual([]);
  });

  it('draws nothing with --quiet', () => {
    const { writes, tick, p } = setup({ quiet: true });
    tick(5000);
    p.update(100, 10);
    p.done();
    expect(writes).toEqual([]);
  });

  it('stays silent for work that ends within the first second', () => {
    const { writes, tick, p } = setup();
    tick(999);
    p.update(100, 10);
    p.done();
    expect(writes).toEqual([]);
  });

  it('redraws in place at most every 100 ms and shows bytes of the total, entries and time', () => {
    const { writes, tick, p } = setup();
    tick(1000);
    p.update(1024 * 1024, 4096);
    expect(writes).toEqual(['\r\x1b[Knsnap: reading snap.tar.gz  1.0 MiB / 4.0 MiB (25%)  4,096 entries  1.0 s']);
    tick(50);
    p.update(2 * 1024 * 1024, 8192);
    expect(writes).toHaveLength(1);
    tick(50);
    p.update(2 * 1024 * 1024, 8192);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('(50%)');
    for (let i = 0; i < 100; i += 1) {
      tick(10);
      p.update(3 * 1024 * 1024, 9000);
    }
    // 1000 ms of updates every 10 ms: ten redraws, not a hundred.
    expect(writes).toHaveLength(12);
  });

  it('erases the line at the end, once, and ignores later updates', () => {
    const { writes, tick, p } = setup();
    tick(1500);
    p.update(10, 1);
    p.done();
    p.done();
    tick(1000);
    p.update(20, 2);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe('\r\x1b[K');
  });

  it('cuts the line to the terminal width and makes the label safe', () => {
    const { writes, tick, p } = setup({ columns: 30, label: 'reading \x1b[31mred\n' });
    tick(1000);
    p.update(10, 1);
    const line = (writes[0] as string).slice(4);
    expect(line.length).toBeLessThanOrEqual(29);
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\x00-\x1f]/);
  });

  it('formats without a known total', () => {
    expect(progressLine('x', 0, null, 5, 1234)).toBe('x  5 entries  1.2 s');
    expect(progressLine('x', 2048, null, 1234567, 0)).toBe('x  2.0 KiB  1,234,567 entries  0.0 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(15 * 1024 * 1024 * 1024)).toBe('15 GiB');
  });
});
