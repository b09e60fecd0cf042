// JSON output as a stream of text pieces, byte for byte what `JSON.stringify(value, null,
// 2)` followed by a newline gives. The top two levels (the document and its members,
// such as the list of processes) are walked here; each value below them is one native
// JSON.stringify call, made inside one-item arrays as deep as the value sits so that V8
// indents its lines, and the arrays' brackets are cut off again (no pass over the text to
// re-indent it). No string of the whole document and no copy of the model is made: the
// largest piece is one process or one namespace, and pieces are handed on in batches of
// about 64 KiB.

/** Where a piece of output goes (the CLI's stdout, or a collector in tests). */
export type Write = (text: string) => void;

/** Batches small pieces so that the consumer sees a few large writes. */
export class PieceBuffer {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly write: Write,
    private readonly batch = 1 << 16,
  ) {}

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.batch) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** Levels walked here; deeper values are serialized natively, one per call. */
const WALKED_LEVELS = 2;

/** What JSON.stringify does to a value before looking at its type: toJSON and boxed primitives. */
function prepare(value: unknown, key: string | number): unknown {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: (k: string) => unknown }).toJSON(String(key));
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
  return v;
}

/** True for what JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** JSON.stringify(v, null, 2) with every line after the first indented by `indent`. */
function nested(v: unknown, indent: string): string {
  if (indent === '' || v === null || typeof v !== 'object') return JSON.stringify(v, null, 2);
  const depth = indent.length / 2;
  let wrapped: unknown = v;
  for (let k = 0; k < depth; k += 1) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // Level k of the wrapping puts "[\n" and the item's indent before it (2 + 2k characters)
  // and "\n", the bracket's indent and "]" after it (2 + 2(k - 1)): "[\n  [\n    " and
  // "\n  ]\n]" for two levels. Summed: depth(depth + 3) before, depth(depth + 1) after.
  return text.slice(depth * (depth + 3), text.length - depth * (depth + 1));
}

function writeValue(out: PieceBuffer, v: unknown, indent: string, level: number): void {
  if (v === null || typeof v !== 'object' || level >= WALKED_LEVELS) {
    out.push(nested(v, indent));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push('[]');
      return;
    }
    for (let i = 0; i < v.length; i += 1) {
      const item = prepare(v[i], i);
      out.push(i === 0 ? `[\n${inner}` : `,\n${inner}`);
      if (omitted(item)) out.push('null');
      else writeValue(out, item, inner, level + 1);
    }
    out.push(`\n${indent}]`);
    return;
  }
  let first = true;
  const record = v as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = prepare(record[key], key);
    if (omitted(item)) continue;
    out.push(`${first ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: `);
    first = false;
    writeValue(out, item, inner, level + 1);
  }
  out.push(first ? '{}' : `\n${indent}}`);
}

/** Writes `value` as JSON.stringify(value, null, 2) + "\n" does, in pieces. */
export function writeJson(value: unknown, write: Write): void {
  const out = new PieceBuffer(write);
  const v = prepare(value, '');
  // JSON.stringify gives undefined for these; the old path printed "undefined\n".
  if (omitted(v)) out.push(String(JSON.stringify(v)));
  else writeValue(out, v, '', 0);
  out.push('\n');
  out.flush();
}
