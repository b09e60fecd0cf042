// The one place where untrusted strings (process names, command lines, labels, evidence,
// file names from a stranger's snapshot) become safe for the report formats: Markdown
// (GitHub-flavoured, pasted into an issue), Mermaid labels, HTML, JSON inside <script>,
// and Graphviz DOT. Every renderer in render/markdown-*, mermaid, html-* and dot calls
// these and nothing else; the hostile-name tests in test/report/escape.test.ts pin them.

import { termSafe } from './escape.js';

// termSafe covers C0/C1 controls, U+2028/9 and the bidi embeddings/overrides/isolates.
// Reports are read in browsers, so also show the invisible marks that reorder or hide
// text there: ALM, ZWSP..RLM, word joiner and invisible operators, BOM.
const INVISIBLE = /[\u061c\u200b-\u200f\u2060-\u2064\ufeff]/g;

/** Control, bidi and zero-width characters as visible `\xNN` / `\uNNNN`; nothing else changes. */
export function visible(text: string): string {
  return termSafe(text).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------
// Markdown (GitHub). Untrusted text always goes into a code span: inside one, GitHub
// makes no links, mentions (`@user`), issue references (`#12`), emoji (`:x:`) or math,
// and `<`, `&` and `*` are literal. The fence is one backtick longer than the longest run
// in the text, and a space on each side (which CommonMark strips again) keeps a leading
// or trailing backtick from touching it.
//
// In a table cell GFM splits the row before inline parsing, so a `|` must be written
// `\|` even inside a code span. Its cell scanner pairs a backslash with any following
// punctuation, so a text that itself has `\` right before `|` cannot be written in a code
// span at all; that rare text goes into <code> with entity escapes instead (entities
// always decode to literal text; the price is that GitHub may autolink a URL in it).
const MD_SPECIAL = /[&<>|\\`*_[\]~!$]/g;

function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space from each side unless the content is only spaces.
  return /^ +$/.test(text) ? `${fence}${text}${fence}` : `${fence} ${text} ${fence}`;
}

/** An untrusted value as inline Markdown outside a table (headings, list items). */
export function mdCode(text: string): string {
  return text === '' ? '' : codeSpan(visible(text));
}

/** An untrusted value as the content of a GFM table cell: one line, no cell-splitting pipe. */
export function mdCell(text: string): string {
  if (text === '') return '';
  const v = visible(text);
  if (v.includes('\\|')) return `<code>${v.replace(MD_SPECIAL, (c) => `&#${c.charCodeAt(0)};`)}</code>`;
  return codeSpan(v.replace(/\|/g, '\\|'));
}

// Our own text is read raw before it is pasted, so only what Markdown (GFM) could act on
// is backslash-escaped: emphasis, code, links, HTML and entities, table pipes, strike,
// math, and GitHub's #123 and @user references. `:`, `,`, `(`, `)`, `.` and `-` stay as
// they are; they mean something only at the start of a line, handled below.
const MD_ACTIVE = /[\\`*_[\]<>|~&$#@!]/g;
/** A line start that would make a heading, quote, list item, rule or setext underline. */
const MD_LINE_START = /^(\s*)([-+=>]|\d+[.)])/;

/** Our own dynamic text (numbers, words from fixed vocabularies) as plain Markdown. */
export function mdText(text: string): string {
  return visible(text)
    .replace(MD_ACTIVE, (c) => `\\${c}`)
    .replace(MD_LINE_START, (_m, space: string, mark: string) => `${space}${mark.replace(/[-+=>.)]$/, (c) => `\\${c}`)}`);
}

/** One GFM table row; every cell must already be escaped with mdCell or mdText. */
export function mdRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

// ---------------------------------------------------------------------------------------
// Mermaid. Labels go inside "…" (the flowchart lexer's string state ends only at `"`).
// Mermaid then decodes `#name;` / `#123;` entities and renders the label as HTML. Its
// pre-processing scans the whole diagram text with regexes that do not respect quotes:
// `%%{…}%%` directives, `%%` comments, and `style…:…#…;` / `classDef…:…#…;` which eat a
// `;`. So only letters, digits, space and `._/,()-+=@?!` stay literal; everything else,
// and all non-ASCII (so Mermaid's private `ﬂ°…¶ß` entity markers cannot be forged), is a
// numeric entity. `"`, `<`, `>`, `&` and `#` use the names Mermaid's docs show.
// Mermaid also decodes its markers in the finished SVG text, after the browser turned our
// entities back into characters, so U+FB02 and U+00B6 (which start its markers `ﬂ°` and
// `¶ß`) are shown as the text `\ufb02` and `\u00b6` instead.
const MERMAID_SAFE = /^[A-Za-z0-9 ._/,()\-+=@?!]$/;
const MERMAID_NAMED: Record<string, string> = { '"': '#quot;', '<': '#lt;', '>': '#gt;', '&': '#amp;', '#': '#35;' };

/** An untrusted string as the inside of a quoted Mermaid label (without the quotes). */
export function mermaidText(text: string): string {
  let out = '';
  for (const ch of visible(text)) {
    if (MERMAID_SAFE.test(ch)) out += ch;
    else if (ch === '\ufb02' || ch === '\u00b6') out += `#92;u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += MERMAID_NAMED[ch] ?? `#${ch.codePointAt(0)};`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// HTML. One escape for text and for quoted attribute values alike.
const HTML_SPECIAL: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** An untrusted string as HTML text or a double-quoted attribute value. */
export function html(text: string): string {
  return visible(text).replace(/[&<>"']/g, (c) => HTML_SPECIAL[c] as string);
}

/**
 * A value as JSON for `<script type="application/json">`. `<`, `>` and `&` become \u
 * escapes so no `</script>` or `<!--` can end or change the script element; U+2028/9
 * for old JavaScript parsers. JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------
// Graphviz DOT. In a quoted ID only `"` must be escaped, but a backslash starts an
// escString sequence in labels (\n, \l, \N, \G …), and Graphviz decodes HTML entities
// (`&amp;`, `&#60;`) in every string, so `\` and `&` are escaped too. Raw newlines
// cannot occur: visible() has already turned them into text.
/** An untrusted string as a complete double-quoted DOT string, quotes included. */
export function dotString(text: string): string {
  return `"${visible(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/&/g, '&amp;')}"`;
}

/** Shortens for a diagram label, after which the caller escapes. */
export function short(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : text;
}
