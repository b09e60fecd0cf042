// Just enough of GitHub's Markdown to check our reports: how cmark-gfm splits a table
// row into cells, and where the tables and the mermaid blocks are.

/** How GFM (cmark-gfm's table scanner) splits a row: backslash + punctuation is one unit. */
export function gfmCells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '');
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i] as string;
    if (c === '\\' && i + 1 < inner.length && /[!-/:-@[-`{-~]/.test(inner[i + 1] as string)) {
      cur += c + inner[i + 1];
      i += 1;
    } else if (c === '|') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') cells.push(cur);
  return cells;
}

/** Every GFM table in a Markdown text, as its rows (lines starting with '|'). */
export function gfmTables(md: string): string[][] {
  const tables: string[][] = [];
  let cur: string[] | null = null;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      if (!cur) tables.push((cur = []));
      cur.push(line);
    } else cur = null;
  }
  return tables;
}

/** The contents of every ```mermaid block. */
export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}
