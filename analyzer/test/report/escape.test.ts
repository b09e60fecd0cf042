// report-escape.ts against hostile names: for each format, the escaped text contains
// nothing that format treats as syntax, and (where a decoder exists) decodes back.

import { describe, expect, it } from 'vitest';
import {
  dotString,
  html,
  jsonForScript,
  mdCell,
  mdCode,
  mdRow,
  mdText,
  mermaidText,
  short,
  visible,
} from '../../src/render/report-escape.js';
import { HOSTILE } from './fixtures.js';
import { gfmCells } from './gfm.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\u061c\ufeff]/;

const decodeEntities = (s: string): string => s.replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));

describe('visible', () => {
  it('shows controls, bidi overrides and zero-width marks as escapes', () => {
    expect(visible('a\nb\u001b[0m\u202e\u200f\ufeff')).toBe('a\\x0ab\\x1b[0m\\u202e\\u200f\\ufeff');
    for (const h of HOSTILE) expect(visible(h)).not.toMatch(CONTROL);
  });
});

describe('markdown', () => {
  /** The text a code span shows: fence, one stripped space each side, literal inside. */
  const spanText = (md: string): string => {
    const fence = /^`+/.exec(md)?.[0] ?? '';
    expect(md.endsWith(fence)).toBe(true);
    const inner = md.slice(fence.length, md.length - fence.length);
    expect(inner).not.toContain(fence);
    return /^ .* $/.test(inner) && inner.trim() !== '' ? inner.slice(1, -1) : inner;
  };

  it('mdCode puts every hostile name in one code span that shows it exactly', () => {
    for (const h of HOSTILE) {
      const out = mdCode(h);
      expect(out).not.toMatch(/[\n\r]/);
      expect(out).not.toMatch(CONTROL);
      expect(spanText(out)).toBe(visible(h));
    }
    expect(mdCode('')).toBe('');
    expect(mdCode(' ')).toBe('` `');
    expect(mdCode('`a`')).toBe('`` `a` ``');
  });

  it('mdCell escapes pipes for the table scanner, and falls back to <code> when a backslash precedes one', () => {
    expect(mdCell('a|b')).toBe('` a\\|b `');
    expect(mdCell('x\\|y')).toBe('<code>x&#92;&#124;y</code>');
    for (const h of HOSTILE) {
      const out = mdCell(h);
      if (out.startsWith('<code>')) {
        expect(out).toMatch(/^<code>[^<>`|\\\n\r*_[\]~!$]*<\/code>$/);
        expect(decodeEntities(out.slice(6, -7))).toBe(visible(h));
      } else expect(spanText(out).replace(/\\\|/g, '|')).toBe(visible(h));
    }
  });

  it('a row keeps its column count whatever the cells hold', () => {
    for (const h of HOSTILE) {
      const row = mdRow(['1', mdCell(h), mdText(h), mdCell(`${h}\\`), mdCell(`|${h}|`)]);
      expect(row).not.toContain('\n');
      expect(gfmCells(row)).toHaveLength(5);
    }
  });

  it('mdText backslash-escapes what Markdown acts on, and nothing else', () => {
    expect(mdText('a|b*c_[d]<e>&`')).toBe('a\\|b\\*c\\_\\[d\\]\\<e\\>\\&\\`');
    expect(mdText('#12 @user ~x~ $y$ ![i]')).toBe('\\#12 \\@user \\~x\\~ \\$y\\$ \\!\\[i\\]');
    // Read raw before pasting: ordinary punctuation stays as typed.
    expect(mdText('before: 1 view, 5 PID namespaces (1 transient hidden); depth 2 → 1.')).toBe(
      'before: 1 view, 5 PID namespaces (1 transient hidden); depth 2 → 1.',
    );
    // A line start that would make a list, quote, heading underline or ordered list.
    expect(mdText('- x')).toBe('\\- x');
    expect(mdText('1. x')).toBe('1\\. x');
    expect(mdText('= x')).toBe('\\= x');
  });
});

describe('mermaid', () => {
  it('labels use only safe characters and entities, never a quote, bracket, pipe or arrow', () => {
    for (const h of HOSTILE) {
      const out = mermaidText(h);
      expect(out).toMatch(/^([A-Za-z0-9 ._/,()\-+=@?!]|#[a-z0-9]+;)*$/);
      expect(out.replace(/#[a-z0-9]+;/g, '')).not.toMatch(/["[\]|<>`%{}:;\n]|-->/);
    }
  });

  it('uses the entity names from the Mermaid docs and numbers for the rest', () => {
    expect(mermaidText('"#<>&')).toBe('#quot;#35;#lt;#gt;#amp;');
    expect(mermaidText('a:b;c')).toBe('a#58;b#59;c');
    expect(mermaidText('é')).toBe('#233;');
    expect(mermaidText('ﬂ°x¶ß')).toBe('#92;ufb02#176;x#92;u00b6#223;');
  });
});

describe('html', () => {
  it('escapes markup and quotes, and shows controls', () => {
    expect(html(`<img src=x onerror="alert('1')">&`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
    for (const h of HOSTILE) expect(html(h)).not.toMatch(/[<>"']|[\n\r]/);
  });

  it('jsonForScript cannot close the script element and parses back', () => {
    const value = { names: HOSTILE };
    const out = jsonForScript(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(value);
  });
});

describe('dot', () => {
  /** A DOT double-quoted string: only \" ends nothing; the first bare " ends it. */
  const quotedLength = (s: string): number => {
    expect(s[0]).toBe('"');
    for (let i = 1; i < s.length; i += 1) {
      if (s[i] === '\\') i += 1;
      else if (s[i] === '"') return i + 1;
    }
    return -1;
  };

  it('yields one well-formed quoted string with backslashes, quotes and entities neutralised', () => {
    for (const h of HOSTILE) {
      const out = dotString(h);
      expect(quotedLength(out)).toBe(out.length);
      expect(out).not.toMatch(/[\n\r]/);
      // Every backslash is doubled or escapes a quote: no \n, \l, \N escString survives.
      expect(out.slice(1, -1).replace(/\\\\|\\"/g, '')).not.toContain('\\');
      expect(out.slice(1, -1).replace(/&amp;/g, '')).not.toContain('&');
    }
  });
});

describe('short', () => {
  it('cuts by code point, never inside a surrogate pair', () => {
    expect(short('😀😀😀', 2)).toBe('😀…');
    expect(short('abc', 3)).toBe('abc');
  });
});
