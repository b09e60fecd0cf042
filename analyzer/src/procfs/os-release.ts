// os-release(5) and the INI-like wsl.conf / .wslconfig. Both are small key=value texts;
// values may be quoted. Keys like __proto__ are stored in null-prototype objects.

export type KeyValues = Record<string, string>;

export function parseOsRelease(text: string): KeyValues {
  const out: KeyValues = Object.create(null) as KeyValues;
  for (const raw of text.split('\n').slice(0, 200)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[A-Z0-9_]{1,64}$/.test(key)) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    out[key] = value.slice(0, 512);
  }
  return out;
}

export type IniSections = Record<string, KeyValues>;

/** Parses wsl.conf / .wslconfig: "[section]" and "key = value", '#' or ';' comments. */
export function parseIni(text: string): IniSections {
  const out: IniSections = Object.create(null) as IniSections;
  let section = '';
  for (const raw of text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .slice(0, 1000)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([^\]]{1,64})\]$/.exec(line);
    if (sec) {
      section = (sec[1] as string).trim().toLowerCase();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line
      .slice(eq + 1)
      .replace(/\s[#;].*$/, '')
      .trim();
    const bucket = (out[section] ??= Object.create(null) as KeyValues);
    bucket[key] = value.slice(0, 1024);
  }
  return out;
}
