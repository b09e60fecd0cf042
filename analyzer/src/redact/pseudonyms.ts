// Consistent pseudonyms: the same original always gets the same replacement, within one
// snapshot and across snapshots that share a map file. Pseudonyms live in ranges that can
// never be real data (RFC 5737/3849 documentation addresses, locally administered MACs,
// the .invalid TLD), so a redacted snapshot redacted again stays the same: anything
// already shaped like a pseudonym is left alone.

import { isIPv4, isIPv6 } from 'node:net';
import { PSEUDONYM_CLASSES, type PseudonymClass } from './rule-classes.js';

export const MAP_FORMAT = 'nsnap-redaction-map';

/** The map file's JSON. Originals are keys: the file is private (mode 0600). */
export interface MapFileJson {
  format: typeof MAP_FORMAT;
  format_version: 1;
  warning: string;
  classes: Partial<Record<PseudonymClass, Record<string, string>>>;
}

export class MapFormatError extends Error {}

function ipv4Of(n: number): string {
  // 254 addresses in each documentation /24, then the benchmarking /15 (RFC 2544).
  if (n <= 254) return `192.0.2.${n}`;
  if (n <= 508) return `198.51.100.${n - 254}`;
  if (n <= 762) return `203.0.113.${n - 508}`;
  const k = n - 762;
  return `198.${18 + Math.floor(k / 65536)}.${Math.floor(k / 256) % 256}.${k % 256}`;
}

function ipv4Index(value: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(value);
  if (!m || !isIPv4(value)) return null;
  const [a, b, c, d] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (a === 192 && b === 0 && c === 2) return d >= 1 && d <= 254 ? d : null;
  if (a === 198 && b === 51 && c === 100) return d >= 1 && d <= 254 ? d + 254 : null;
  if (a === 203 && b === 0 && c === 113) return d >= 1 && d <= 254 ? d + 508 : null;
  if (a === 198 && (b === 18 || b === 19)) return 762 + (b - 18) * 65536 + c * 256 + d;
  return null;
}

function macOf(n: number): string {
  const hex = n.toString(16).padStart(10, '0');
  return `02:${(hex.match(/../g) as string[]).join(':')}`;
}

const GENERATORS: Record<PseudonymClass, (n: number) => string> = {
  hostname: (n) => `host${n}`,
  username: (n) => `user${n}`,
  email: (n) => `email${n}@example.invalid`,
  ipv4: ipv4Of,
  ipv6: (n) => `2001:db8::${n.toString(16)}`,
  mac: macOf,
};

/** The N a pseudonym was generated from, or null when `value` is not shaped like one. */
export function pseudonymIndex(cls: PseudonymClass, value: string): number | null {
  let m: RegExpExecArray | null;
  switch (cls) {
    case 'hostname':
      m = /^host([1-9][0-9]{0,8})$/i.exec(value);
      return m ? Number(m[1]) : null;
    case 'username':
      m = /^user([1-9][0-9]{0,8})$/i.exec(value);
      return m ? Number(m[1]) : null;
    case 'email':
      m = /^email([1-9][0-9]{0,8})@example\.invalid$/i.exec(value);
      return m ? Number(m[1]) : null;
    case 'ipv4':
      return ipv4Index(value);
    case 'ipv6':
      m = /^2001:db8::([0-9a-f]{1,8})$/i.exec(value);
      return m && isIPv6(value) ? parseInt(m[1] as string, 16) : null;
    case 'mac':
      m = /^02:00:([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(value);
      return m ? parseInt(m.slice(1).join(''), 16) : null;
  }
}

/** Anything in the pseudonym ranges counts as already redacted (2001:db8::/32 as a whole). */
export function looksRedacted(cls: PseudonymClass, value: string): boolean {
  if (pseudonymIndex(cls, value) !== null) return true;
  if (cls === 'ipv6') return /^2001:0?db8:/i.test(value);
  if (cls === 'email') return /@example\.invalid$/i.test(value);
  return false;
}

/** How originals are compared: host and user names and e-mails ignore case (Windows does). */
export function normalise(cls: PseudonymClass, value: string): string {
  if (cls === 'ipv4') return value;
  if (cls === 'mac') return value.toLowerCase().replace(/-/g, ':');
  return value.toLowerCase();
}

export class PseudonymMap {
  private readonly forward = new Map<PseudonymClass, Map<string, string>>();
  private readonly next = new Map<PseudonymClass, number>();
  private readonly used = new Set<string>();

  constructor() {
    for (const c of PSEUDONYM_CLASSES) {
      this.forward.set(c, new Map());
      this.next.set(c, 1);
    }
  }

  /** Loads a map file's content; throws MapFormatError when it is not one of ours. */
  static fromJson(value: unknown): PseudonymMap {
    const map = new PseudonymMap();
    if (typeof value !== 'object' || value === null) throw new MapFormatError('not a JSON object');
    const o = value as Partial<MapFileJson>;
    if (o.format !== MAP_FORMAT || o.format_version !== 1) throw new MapFormatError(`not an ${MAP_FORMAT} version 1 file`);
    const classes = o.classes ?? {};
    if (typeof classes !== 'object' || classes === null) throw new MapFormatError("'classes' is not an object");
    for (const [cls, entries] of Object.entries(classes)) {
      if (!(PSEUDONYM_CLASSES as readonly string[]).includes(cls)) throw new MapFormatError(`unknown class '${cls}'`);
      if (typeof entries !== 'object' || entries === null) throw new MapFormatError(`classes.${cls} is not an object`);
      for (const [original, pseudonym] of Object.entries(entries as Record<string, unknown>)) {
        if (typeof pseudonym !== 'string' || pseudonymIndex(cls as PseudonymClass, pseudonym) === null) {
          throw new MapFormatError(`classes.${cls}: '${String(pseudonym).slice(0, 40)}' is not a ${cls} pseudonym`);
        }
        map.set(cls as PseudonymClass, original, pseudonym);
      }
    }
    return map;
  }

  private set(cls: PseudonymClass, original: string, pseudonym: string): void {
    const key = `${cls}\0${pseudonym.toLowerCase()}`;
    if (this.used.has(key)) throw new MapFormatError(`classes.${cls}: pseudonym '${pseudonym}' is used twice`);
    this.used.add(key);
    (this.forward.get(cls) as Map<string, string>).set(normalise(cls, original), pseudonym);
    const n = pseudonymIndex(cls, pseudonym) as number;
    if (n >= (this.next.get(cls) as number)) this.next.set(cls, n + 1);
  }

  /** The pseudonym of `original`, allocating the next free one on first sight. */
  get(cls: PseudonymClass, original: string): string {
    const fwd = this.forward.get(cls) as Map<string, string>;
    const key = normalise(cls, original);
    const known = fwd.get(key);
    if (known !== undefined) return known;
    let n = this.next.get(cls) as number;
    while (this.used.has(`${cls}\0${GENERATORS[cls](n).toLowerCase()}`)) n += 1;
    const pseudonym = GENERATORS[cls](n);
    this.set(cls, key, pseudonym);
    return pseudonym;
  }

  has(cls: PseudonymClass, original: string): boolean {
    return (this.forward.get(cls) as Map<string, string>).has(normalise(cls, original));
  }

  /** Originals of one class, in allocation order. */
  originals(cls: PseudonymClass): string[] {
    return [...(this.forward.get(cls) as Map<string, string>).keys()];
  }

  size(): number {
    let n = 0;
    for (const m of this.forward.values()) n += m.size;
    return n;
  }

  /** Sorted by class, then pseudonym number, so the file diffs well. */
  toJson(): MapFileJson {
    const classes: MapFileJson['classes'] = {};
    for (const cls of PSEUDONYM_CLASSES) {
      const entries = [...(this.forward.get(cls) as Map<string, string>).entries()];
      if (entries.length === 0) continue;
      entries.sort((a, b) => (pseudonymIndex(cls, a[1]) as number) - (pseudonymIndex(cls, b[1]) as number));
      classes[cls] = Object.fromEntries(entries);
    }
    return {
      format: MAP_FORMAT,
      format_version: 1,
      warning: 'PRIVATE: this file maps pseudonyms back to the real values. Never attach it to a report.',
      classes,
    };
  }
}
