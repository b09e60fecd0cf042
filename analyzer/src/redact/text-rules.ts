// The detectors: where in a string each class of personal or secret data sits. Pure
// functions from text to spans; choosing between overlapping spans and replacing them is
// the redactor's job. Free text is heuristic by nature: these patterns aim to catch the
// common shapes and to leave process structure (names, paths, flags) readable.
//
// Modes say what the string is:
//   element   one argv element: a `--password=` at its start owns the rest of it
//   text      free text (lsns COMMAND, os-release, .wslconfig, manifest values)
//   identity  a path that must keep its shape (cgroup paths, kernel release): only host
//             and user names are replaced, so container ids stay for the role rules

import { isIPv6 } from 'node:net';
import type { Identities } from './identities.js';
import { looksRedacted } from './pseudonyms.js';
import { REDACTED, type RuleClass } from './rule-classes.js';

export type TextMode = 'element' | 'text' | 'identity';

export interface Span {
  start: number;
  end: number;
  cls: RuleClass;
}

/** Option and variable names whose value is a secret: --password, --api-key, GITHUB_TOKEN, … */
const SECRET_NAME =
  /(?:^|[-_.])(?:password|passwd|passphrase|pass|pwd|token|secret|apikey|api[-_]key|access[-_]?key|secret[-_]?key|private[-_]?key|client[-_]?secret|auth[-_]?token|credentials?|session[-_]?key)$/;

export function isSecretName(name: string): boolean {
  const n = name.replace(/^-+/, '').toLowerCase();
  if (n === '' || n.startsWith('no-') || n.length > 64) return false;
  return SECRET_NAME.test(n);
}

const PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g;
const AUTH_HEADER =
  /(?<![A-Za-z0-9-])(?:authorization|proxy-authorization|cookie|x-api-key|x-auth-token|private-token|x-vault-token)\s*:\s*(?:(?:bearer|basic|digest|token|negotiate|ntlm)\s+)?/gi;
const BEARER = /(?<![A-Za-z0-9])bearer\s+(?=\S)/gi;
const URL_USERINFO = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/([^/\s@?#'"]+)@(?=[^\s/@]+)/g;
const TOKENS: RegExp[] = [
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{30,255}(?![A-Za-z0-9_])/g,
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{20,255}/g,
  /(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/g,
  /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/g,
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];
const ASSIGN = /(?<![A-Za-z0-9_.-])(-{0,2})([A-Za-z][A-Za-z0-9_.-]{0,63})=/g;
const SPACED_OPTION = /(?<!\S)(--?[A-Za-z][A-Za-z0-9_.-]{0,63})[ \t]+(?!-)(?=\S)/g;
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
/** systemd's user@1000.service is not an address. */
const UNIT_SUFFIX = /\.(?:service|slice|scope|socket|target|mount|timer|path|device|swap)$/i;
const MAC = /(?<![0-9A-Za-z:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z:-])/g;
const IPV6_CANDIDATE = /(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[A-Za-z0-9]{1,15})?(?![0-9A-Za-z:.])/g;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Not inside a version string: 5.15.153.1-microsoft or 1.2.3.4.5 are left alone. */
const IPV4 = new RegExp(`(?<![0-9A-Za-z._-])${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z_-]|\\.[0-9])`, 'g');
const HEX = /(?<![0-9A-Za-z])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])/g;
const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])/g;

function ipv4Ignored(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  // unspecified, loopback, netmasks and broadcast, multicast and reserved, and our pseudonyms
  return ip === '0.0.0.0' || a === 127 || a >= 224 || looksRedacted('ipv4', ip) || (a === 198 && (b === 18 || b === 19));
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A random-looking token: mixed case and digits, high entropy, and not a path of words. */
function base64Like(s: string): boolean {
  if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || !/[0-9]/.test(s)) return false;
  const longest = s.split('/').reduce((m, seg) => Math.max(m, seg.length), 0);
  if (longest < 24) return false;
  return entropy(s) >= 4;
}

function* all(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex += 1;
  }
}

/** End of a value that runs to whitespace (or to '&' in a query string). */
function valueEnd(text: string, from: number, stopAtAmp: boolean): number {
  let i = from;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || (stopAtAmp && c === '&')) break;
    i += 1;
  }
  return i;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

/** Drops spans whose content is already a redaction marker. */
function notMarker(text: string, s: Span): boolean {
  return s.end > s.start && text.slice(s.start, s.end) !== REDACTED;
}

/**
 * Every candidate span, grouped by class in priority order: the redactor takes a span only
 * where no earlier class took any of its characters.
 */
export function detect(text: string, mode: TextMode, ids: Identities): Span[][] {
  const groups: Span[][] = [];
  const push = (spans: Span[]): void => {
    groups.push(spans.filter((s) => notMarker(text, s)));
  };
  if (mode === 'identity') {
    push(identitySpans(text, ids));
    return groups;
  }

  push([...all(PRIVATE_KEY, text)].map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'private-key' })));

  const auth: Span[] = [];
  for (const m of all(AUTH_HEADER, text)) {
    const start = m.index + m[0].length;
    auth.push({ start, end: mode === 'element' ? text.length : lineEnd(text, start), cls: 'auth-header' });
  }
  for (const m of all(BEARER, text)) {
    const start = m.index + m[0].length;
    auth.push({ start, end: valueEnd(text, start, false), cls: 'auth-header' });
  }
  push(auth);

  push(
    [...all(URL_USERINFO, text)].map((m) => {
      const start = m.index + m[0].length - (m[1] as string).length - 1;
      return { start, end: start + (m[1] as string).length, cls: 'url-credentials' as const };
    }),
  );

  const tokens: Span[] = [];
  for (const re of TOKENS) for (const m of all(re, text)) tokens.push({ start: m.index, end: m.index + m[0].length, cls: 'token' });
  push(tokens);

  const options: Span[] = [];
  for (const m of all(ASSIGN, text)) {
    if (!isSecretName(m[2] as string)) continue;
    const start = m.index + m[0].length;
    // "--password=a b&c" as one argv element is all value; in a query string '&' ends it.
    const owns = mode === 'element' && m.index === 0;
    options.push({ start, end: owns ? text.length : valueEnd(text, start, true), cls: 'secret-option' });
  }
  for (const m of all(SPACED_OPTION, text)) {
    if (!isSecretName(m[1] as string)) continue;
    const start = m.index + m[0].length;
    options.push({ start, end: valueEnd(text, start, false), cls: 'secret-option' });
  }
  push(options);

  push(
    [...all(EMAIL, text)]
      .filter((m) => !UNIT_SUFFIX.test(m[0]) && !looksRedacted('email', m[0]))
      .map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'email' as const })),
  );
  push(
    [...all(MAC, text)]
      .filter((m) => !/^(?:00[:-]){5}00$|^(?:ff[:-]){5}ff$/i.test(m[0]) && !looksRedacted('mac', m[0].replace(/-/g, ':')))
      .map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'mac' as const })),
  );
  push(
    [...all(IPV6_CANDIDATE, text)]
      .filter((m) => {
        const addr = (m[0].split('%')[0] as string).toLowerCase();
        // "a::b" (C++, Rust paths) is a valid address too: short ones need a digit.
        const plausible = /[0-9]/.test(addr) || (addr.match(/:/g) ?? []).length >= 3;
        return isIPv6(addr) && plausible && addr !== '::' && addr !== '::1' && !looksRedacted('ipv6', addr);
      })
      .map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'ipv6' as const })),
  );
  push(
    [...all(IPV4, text)]
      .filter((m) => !ipv4Ignored(m[0]))
      .map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'ipv4' as const })),
  );
  push(identitySpans(text, ids));
  push([...all(HEX, text)].map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'hex-string' as const })));
  push(
    [...all(BASE64, text)]
      .filter((m) => base64Like(m[0]))
      .map((m) => ({ start: m.index, end: m.index + m[0].length, cls: 'base64-string' as const })),
  );
  return groups;
}

function identitySpans(text: string, ids: Identities): Span[] {
  const re = ids.pattern();
  if (re === null) return [];
  return [...all(re, text)].map((m) => ({ start: m.index, end: m.index + m[0].length, cls: ids.classOf(m[0]) }));
}
