// Who the snapshot belongs to: host names and user names, found before anything is
// replaced, so every later occurrence (inside a cgroup path, a comm, a URL) is caught too.
// Host names come from where the system states them; user names from the shapes of home
// folders, since snapshots never read /etc/passwd.

import { looksRedacted } from './pseudonyms.js';

/** Names that identify nobody, or that WSL and the kernel use for everyone. */
const RESERVED_HOSTS = new Set(['localhost', 'localhost.localdomain', 'localdomain', '(none)', 'ubuntu', 'debian']);
const RESERVED_USERS = new Set([
  'root',
  'wslg',
  'user',
  'users',
  'public',
  'default',
  'default user',
  'all users',
  'defaultuser0',
  'shared',
  'guest',
  'administrator',
  'home',
]);

// Home folders: /home/NAME, /var/home/NAME, macOS /Users/NAME, WSL's /mnt/c/Users/NAME and
// Windows C:\Users\NAME (also with the doubled backslashes of .wslconfig and JSON).
// Windows names may hold spaces; such a name counts only when a separator follows it.
// A name with spaces is taken only up to a following separator; otherwise the name ends
// at the first space ("C:\Users\Carol Jones\x" vs "C:\Users\alice is here").
const WIN_NAME = '(?:([A-Za-z0-9_][^\\\\/\\n\\r\\t:\'"`*?<>|]{0,63}?)(?=[\\\\/])|([A-Za-z0-9_][^\\\\/\\s:\'"`*?<>|]{0,63}))';
const HOME_PATTERNS: RegExp[] = [
  /(?<![A-Za-z0-9_.~-])\/(?:var\/)?home\/([A-Za-z0-9_][A-Za-z0-9_.@-]{0,63})/g,
  new RegExp(`(?<![A-Za-z0-9_.~-])/Users/${WIN_NAME}`, 'g'),
  new RegExp(`(?:/mnt/[a-z]/|(?<![A-Za-z0-9])[A-Za-z]:(?:\\\\{1,2}|/))[Uu][Ss][Ee][Rr][Ss](?:\\\\{1,2}|/)${WIN_NAME}`, 'g'),
];

/** wsl.conf keys that name the host and the default user. */
const WSL_CONF_HOST = /^\s*hostname\s*=\s*([A-Za-z0-9][A-Za-z0-9.-]{0,252})\s*$/im;
const WSL_CONF_USER = /^\s*default\s*=\s*([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})\s*$/im;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Identities {
  readonly hostnames = new Set<string>();
  readonly usernames = new Set<string>();
  private compiled: RegExp | null | undefined;

  /** Adds a host name (and its first label, for FQDNs); returns false for generic names. */
  addHostname(raw: string): boolean {
    const name = raw.trim().toLowerCase();
    if (name === '' || name.length > 253 || RESERVED_HOSTS.has(name) || looksRedacted('hostname', name)) return false;
    if (/[\s/\\]/.test(name)) return false;
    this.hostnames.add(name);
    const first = name.split('.')[0] ?? '';
    if (first !== name && first.length >= 3 && !RESERVED_HOSTS.has(first) && !looksRedacted('hostname', first)) this.hostnames.add(first);
    this.compiled = undefined;
    return true;
  }

  addUsername(raw: string): boolean {
    const name = raw.trim().toLowerCase();
    if (name === '' || name.length > 64 || !/[a-z]/.test(name) || RESERVED_USERS.has(name) || looksRedacted('username', name)) return false;
    if (/^[.$%{]/.test(name) || /[%$*{}]/.test(name)) return false;
    if (this.hostnames.has(name)) return false;
    this.usernames.add(name);
    this.compiled = undefined;
    return true;
  }

  /** Finds user names in home-folder paths of `text`. */
  discoverUsers(text: string): void {
    if (!/home|users/i.test(text)) return;
    for (const re of HOME_PATTERNS) {
      re.lastIndex = 0;
      for (const m of text.matchAll(re)) {
        const name = m[1] ?? m[2];
        if (name !== undefined) this.addUsername(name);
      }
    }
  }

  /** wsl.conf can set the host name ([network] hostname) and the default user ([user] default). */
  discoverInWslConf(text: string): void {
    const host = WSL_CONF_HOST.exec(text);
    if (host?.[1] !== undefined) this.addHostname(host[1]);
    const user = WSL_CONF_USER.exec(text);
    if (user?.[1] !== undefined) this.addUsername(user[1]);
  }

  /** One case-insensitive regex over every known name, longest first, bounded by non-alphanumerics. */
  pattern(): RegExp | null {
    if (this.compiled !== undefined) return this.compiled;
    const names = [...this.hostnames, ...this.usernames];
    names.sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.compiled = names.length === 0 ? null : new RegExp(`(?<![A-Za-z0-9])(?:${names.map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'gi');
    return this.compiled;
  }

  classOf(match: string): 'hostname' | 'username' {
    return this.hostnames.has(match.toLowerCase()) ? 'hostname' : 'username';
  }
}
