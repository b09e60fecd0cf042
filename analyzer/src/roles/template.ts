// Label templates: "user distro {distro}, systemd {systemd}". A rule may give several;
// the first whose variables are all known wins, so a label never shows a hole when a
// plainer alternative exists. `{{` and `}}` are literal braces.

const FIXED = new Set([
  'id',
  'inode',
  'depth',
  'role',
  'processes',
  'matched',
  'distro',
  'systemd',
  'kernel',
  'init.comm',
  'init.cmdline',
  'init.exe',
  'init.uid',
  'initParent.comm',
  'initParent.cmdline',
  'initParent.exe',
  'init.title',
  'initParent.title',
  'creator.comm',
  'creator.exe',
  'creator.title',
  'hostname',
  'cgroup.container',
  'cgroup.container_id',
  'cgroup.runtime',
  'cgroup.path',
  'cgroup.pod',
  'child.distro',
  'parent.distro',
]);
const PREFIXED = /^(os|env)\.[A-Z][A-Z0-9_]{0,63}$/;
/** `init.opt.machine`, `creator.opt.n`, `creator.arg.3`, `creator.arg.last`: options and words of a process. */
const ARGUMENT = /^(init|initParent|creator)\.(opt\.[A-Za-z0-9][A-Za-z0-9_-]{0,39}|arg\.([0-9]{1,3}|last))$/;
/** `{creator.opt.c:12}`: at most the first 12 characters of the value. */
const CUT = /^(.*):([0-9]{1,3})$/;

export type TemplatePart = { text: string } | { variable: string; cut?: number };
export type Template = TemplatePart[];

/** Longest value a variable contributes to a label. */
const MAX_VALUE = 64;

/** Parses one template; throws Error(message) naming the bad variable. */
export function parseTemplate(source: string): Template {
  const parts: Template = [];
  let text = '';
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i] as string;
    if ((c === '{' || c === '}') && source[i + 1] === c) {
      text += c;
      i += 1;
    } else if (c === '{') {
      const end = source.indexOf('}', i);
      if (end === -1) throw new Error(`unclosed '{' at position ${i}`);
      const inside = source.slice(i + 1, end).trim();
      const cut = CUT.exec(inside);
      const name = cut ? (cut[1] as string).trim() : inside;
      if (!FIXED.has(name) && !PREFIXED.test(name) && !ARGUMENT.test(name)) {
        throw new Error(
          `unknown variable '{${name.slice(0, 40)}}'; known: ${[...FIXED].join(', ')}, os.FIELD, env.NAME, ` +
            '(init|initParent|creator).opt.NAME, (init|initParent|creator).arg.N, arg.last',
        );
      }
      const length = cut ? Number(cut[2]) : undefined;
      if (length === 0) throw new Error(`'{${inside.slice(0, 40)}}' keeps no characters`);
      if (text !== '') parts.push({ text });
      text = '';
      parts.push(length === undefined ? { variable: name } : { variable: name, cut: length });
      i = end;
    } else if (c === '}') throw new Error(`unmatched '}' at position ${i}`);
    else text += c;
  }
  if (text !== '') parts.push({ text });
  return parts;
}

export type Lookup = (variable: string) => string | null;

/** The first template whose variables all resolve; the last one with '?' holes otherwise. */
export function renderTemplates(templates: Template[], lookup: Lookup): string {
  for (const t of templates) {
    const out = render(t, lookup, false);
    if (out !== null) return out;
  }
  const last = templates[templates.length - 1];
  return last ? (render(last, lookup, true) as string) : '';
}

function render(t: Template, lookup: Lookup, holes: boolean): string | null {
  let out = '';
  for (const part of t) {
    if ('text' in part) out += part.text;
    else {
      const v = lookup(part.variable);
      if (v === null || v === '') {
        if (!holes) return null;
        out += '?';
      } else {
        const kept = part.cut !== undefined && v.length > part.cut ? v.slice(0, part.cut) : v;
        out += kept.length > MAX_VALUE ? `${kept.slice(0, MAX_VALUE - 1)}…` : kept;
      }
    }
  }
  return out;
}
