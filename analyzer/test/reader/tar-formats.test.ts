// The in-house tar walker against the header variants real writers produce: pax
// extended headers, GNU long names, unknown entry types, and base-256 sizes.

import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { loadView } from '../../src/source/load.js';
import { decodeHeader, BLOCK } from '../../src/archive/tar-header.js';
import { TOP, tarBytes, tmpFile, validItems } from '../helpers/tarball.js';

/** A raw ustar header block with a correct checksum. */
function header(name: string, flag: string, size: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(flag, 156, 1, 'latin1');
  b.write('ustar\u000000', 257, 'latin1');
  return fixSum(b);
}

function fixSum(b: Buffer): Buffer {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

function body(text: string | Buffer): Buffer {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const out = Buffer.alloc(Math.ceil(data.length / BLOCK) * BLOCK);
  data.copy(out);
  return out;
}

/** Splices raw blocks in front of the end-of-archive marker of a valid snapshot tar. */
async function withRaw(blocks: Buffer[]): Promise<string> {
  const tar = await tarBytes(validItems());
  let end = tar.length;
  while (end >= BLOCK && tar.subarray(end - BLOCK, end).every((b) => b === 0)) end -= BLOCK;
  return tmpFile('raw.tar.gz', gzipSync(Buffer.concat([tar.subarray(0, end), ...blocks, Buffer.alloc(BLOCK * 2)])));
}

describe('tar header variants', () => {
  it('applies a pax path record to the next entry', async () => {
    const record = (key: string, value: string): string => {
      const line = ` ${key}=${value}\n`;
      let len = line.length + 2;
      if (String(len).length + line.length !== len) len = String(len + 1).length + line.length;
      return `${len}${line}`;
    };
    const pax = record('path', `${TOP}/proc/40/cgroup`);
    const file = await withRaw([header('PaxHeader/x', 'x', pax.length), body(pax), header('ignored-name', '0', 7), body('0::/pax')]);
    const view = await loadView(file);
    expect(view.problems).toEqual([]);
    expect(view.procs.get(40)?.cgroup).toEqual(['0::/pax']);
  });

  it('applies a GNU long name to the next entry', async () => {
    const long = `${TOP}/proc/40/cgroup\0`;
    const file = await withRaw([header('././@LongLink', 'L', long.length), body(long), header('short', '0', 8), body('0::/long')]);
    const view = await loadView(file);
    expect(view.problems).toEqual([]);
    expect(view.procs.get(40)?.cgroup).toEqual(['0::/long']);
  });

  it('reports an unknown entry type as a problem and skips its body', async () => {
    const file = await withRaw([header(`${TOP}/proc/40/cgroup`, 'Z', 5), body('hello')]);
    const view = await loadView(file);
    expect(view.problems.map((p) => p.message)).toContain("unknown entry type 'Z' is not allowed in a snapshot");
    expect(view.procs.get(40)?.status).not.toBeNull();
  });

  it('decodes a base-256 size and refuses a negative one', () => {
    const b = header('x', '0', 0);
    b[124] = 0x80;
    b.fill(0, 125, 136);
    b[135] = 5;
    expect(decodeHeader(fixSum(b), 0).size).toBe(5);
    b[124] = 0xff;
    expect(() => decodeHeader(fixSum(b), 0)).toThrow(/negative size/);
  });
});
