// Which entry names a snapshot may hold, checked before anything is stored. The parser
// never touches disk, but the names still reach terminals and reports, and a later
// `redact` writes them back out, so unsafe names are refused here once.

/** `clean`: the name is its parts joined by '/', with at most one trailing '/'. */
/** Longest entry name accepted. */
export const MAX_CLEAN_NAME = 1024;

export type PathVerdict = { ok: true; parts: string[]; clean: boolean } | { ok: false; reason: string };

// C0 controls, DEL and C1 controls; NUL included.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Splits a name (from offset `from`) in the shape every writer produces (no empty, '.' or
 * '..' component, no backslash or control character) in one pass; null sends it to the
 * careful path below.
 */
export function splitClean(name: string, from = 0): string[] | null {
  const parts: string[] = [];
  let start = from;
  const n = name.length;
  for (let i = from; i <= n; i += 1) {
    const c = i === n ? 0x2f : name.charCodeAt(i);
    if (c === 0x2f) {
      const len = i - start;
      if (len === 0) {
        if (i === n && parts.length > 0) break; // one trailing slash
        return null;
      }
      if (name.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && name.charCodeAt(start + 1) === 0x2e))) return null;
      parts.push(name.slice(start, i));
      start = i + 1;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x5c) {
      return null;
    }
  }
  return parts;
}

/** Checks a raw archive name and splits it into components. */
export function checkEntryName(name: string, maxDepth: number): PathVerdict {
  if (name.length === 0) return { ok: false, reason: 'empty name' };
  const clean = name.length <= MAX_CLEAN_NAME ? splitClean(name) : null;
  if (clean !== null) {
    const parts = clean;
    if (parts.length - 1 > maxDepth) return { ok: false, reason: `deeper than ${maxDepth} levels` };
    return { ok: true, parts, clean: true };
  }
  if (name.length > MAX_CLEAN_NAME) return { ok: false, reason: `name longer than ${MAX_CLEAN_NAME} characters` };
  if (CONTROL.test(name)) return { ok: false, reason: 'control character in name' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute path' };
  if (name.includes('\\')) return { ok: false, reason: 'backslash in name' };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return { ok: false, reason: 'empty name' };
  if (parts.some((p) => p === '..')) return { ok: false, reason: "'..' in path" };
  // The top folder is one more component than the limit counts.
  if (parts.length - 1 > maxDepth) return { ok: false, reason: `deeper than ${maxDepth} levels` };
  return { ok: true, parts, clean: false };
}

/** Printable form of an untrusted name for messages: controls become \xNN. */
export function printable(name: string): string {
  const clipped = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  // eslint-disable-next-line no-control-regex
  return clipped.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
