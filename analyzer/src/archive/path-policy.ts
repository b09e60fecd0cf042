// Which entry names a snapshot may hold, checked before anything is stored. The parser
// never touches disk, but the names still reach terminals and reports, and a later
// `redact` writes them back out, so unsafe names are refused here once.

export type PathVerdict = { ok: true; parts: string[] } | { ok: false; reason: string };

// C0 controls, DEL and C1 controls; NUL included.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

// A name in the shape every writer produces: no empty, '.' or '..' components, no
// backslash or control character. Names that fail it take the careful path below.
const BAD = '/\\\\\\u0000-\\u001f\\u007f-\\u009f';
const FIRST = `(?:[^.${BAD}]|\\.(?!\\.?(?:/|$)))[^${BAD}]*`;
const CLEAN = new RegExp(`^${FIRST}(?:/${FIRST})*/?$`);

/** Checks a raw archive name and splits it into components. */
export function checkEntryName(name: string, maxDepth: number): PathVerdict {
  if (name.length === 0) return { ok: false, reason: 'empty name' };
  if (name.length <= 1024 && CLEAN.test(name)) {
    const parts = name.split('/');
    if (parts[parts.length - 1] === '') parts.pop();
    if (parts.length - 1 > maxDepth) return { ok: false, reason: `deeper than ${maxDepth} levels` };
    return { ok: true, parts };
  }
  if (name.length > 1024) return { ok: false, reason: 'name longer than 1024 characters' };
  if (CONTROL.test(name)) return { ok: false, reason: 'control character in name' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute path' };
  if (name.includes('\\')) return { ok: false, reason: 'backslash in name' };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return { ok: false, reason: 'empty name' };
  if (parts.some((p) => p === '..')) return { ok: false, reason: "'..' in path" };
  // The top folder is one more component than the limit counts.
  if (parts.length - 1 > maxDepth) return { ok: false, reason: `deeper than ${maxDepth} levels` };
  return { ok: true, parts };
}

/** Printable form of an untrusted name for messages: controls become \xNN. */
export function printable(name: string): string {
  const clipped = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  // eslint-disable-next-line no-control-regex
  return clipped.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
