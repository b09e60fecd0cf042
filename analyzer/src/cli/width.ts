// Lines that fit where they go, as ps(1) does: on a terminal, each line is cut to its
// width (COLUMNS, else the terminal's own); in a pipe or file nothing is ever cut, so
// `nsnap ps | grep` sees every command line whole. --wide turns the cut off.

import type { Io } from './common.js';

/** The width to cut text output to, or null for never. */
export function outputWidth(io: Io, wide: boolean): number | null {
  if (wide || !io.isTTY) return null;
  const env = Number(io.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return io.stdoutColumns !== undefined && io.stdoutColumns > 0 ? io.stdoutColumns : 80;
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/y;

/** Cuts one line to `width` visible characters; colour codes do not count, and are reset after a cut. */
function fitLine(line: string, width: number): string {
  let visible = 0;
  let i = 0;
  let coloured = false;
  while (i < line.length) {
    SGR.lastIndex = i;
    const m = SGR.exec(line);
    if (m) {
      coloured = true;
      i += m[0].length;
      continue;
    }
    const cp = line.codePointAt(i) as number;
    if (visible === width) return `${line.slice(0, i)}${coloured ? '\x1b[0m' : ''}`;
    visible += 1;
    i += cp > 0xffff ? 2 : 1;
  }
  return line;
}

/** Every line of `text` cut to `width`, or `text` itself when width is null. */
export function fitWidth(text: string, width: number | null): string {
  if (width === null) return text;
  return text
    .split('\n')
    .map((l) => fitLine(l, width))
    .join('\n');
}
