// The vocabulary of redaction: every class of personal or secret data `nsnap redact`
// replaces, what it becomes, and how `--keep` names it. The table is a Record over the
// union, so a class without documentation does not compile (docs/redaction.md mirrors it).

export const RULE_CLASSES = [
  'hostname',
  'username',
  'email',
  'ipv4',
  'ipv6',
  'mac',
  'secret-option',
  'auth-header',
  'url-credentials',
  'token',
  'private-key',
  'hex-string',
  'base64-string',
] as const;
export type RuleClass = (typeof RULE_CLASSES)[number];

/** Classes replaced by a consistent pseudonym (kept in the map); the rest become [redacted]. */
export const PSEUDONYM_CLASSES = ['hostname', 'username', 'email', 'ipv4', 'ipv6', 'mac'] as const;
export type PseudonymClass = (typeof PSEUDONYM_CLASSES)[number];

export const REDACTED = '[redacted]';

export interface RuleClassInfo {
  what: string;
  becomes: string;
}

export const RULE_CLASS_INFO: Record<RuleClass, RuleClassInfo> = {
  hostname: {
    what: 'the view hostname (manifest, proc/sys/kernel/hostname, wsl.conf [network] hostname) wherever it occurs',
    becomes: 'host1, host2, …',
  },
  username: {
    what: 'user names in home paths (/home/NAME, /Users/NAME, C:\\Users\\NAME, /mnt/c/Users/NAME) and wsl.conf [user] default, wherever they occur',
    becomes: 'user1, user2, …',
  },
  email: { what: 'e-mail addresses', becomes: 'email1@example.invalid, …' },
  ipv4: { what: 'IPv4 addresses except loopback, 0.0.0.0, netmasks and multicast', becomes: '192.0.2.N (then 198.51.100.N, 203.0.113.N)' },
  ipv6: { what: 'IPv6 addresses except :: and ::1', becomes: '2001:db8::N' },
  mac: { what: 'MAC addresses', becomes: '02:00:00:00:00:NN' },
  'secret-option': {
    what: 'values of options and variables named like secrets (--password=x, --token x, API_KEY=x)',
    becomes: '[redacted]',
  },
  'auth-header': { what: 'HTTP credentials: Authorization/Cookie header values, Bearer tokens', becomes: '[redacted]' },
  'url-credentials': { what: 'the user:password part of URLs (scheme and host are kept)', becomes: '[redacted]' },
  token: { what: 'well-known token formats: AWS access keys, GitHub, GitLab and Slack tokens, JWTs', becomes: '[redacted]' },
  'private-key': { what: 'PEM private key blocks', becomes: '[redacted]' },
  'hex-string': { what: 'hex strings of 32 or more digits in command lines and texts', becomes: '[redacted]' },
  'base64-string': { what: 'base64-like strings of 32 or more mixed-case characters with digits', becomes: '[redacted]' },
};

/** `--keep` group names, for the common cases. */
const KEEP_GROUPS: Record<string, readonly RuleClass[]> = {
  hostnames: ['hostname'],
  usernames: ['username'],
  users: ['username'],
  emails: ['email'],
  ips: ['ipv4', 'ipv6'],
  macs: ['mac'],
  secrets: ['secret-option', 'auth-header', 'url-credentials', 'token', 'private-key', 'hex-string', 'base64-string'],
};

export interface KeepSpec {
  classes: Set<RuleClass>;
  /** Exact strings never replaced (case-insensitive for hostnames, user names and e-mails). */
  literals: Set<string>;
}

function isRuleClass(s: string): s is RuleClass {
  return (RULE_CLASSES as readonly string[]).includes(s);
}

/**
 * Reads `--keep` values: a class name or a group name keeps that class; anything else is a
 * literal. `text:VALUE` forces a literal (for a value spelled like a class name).
 */
export function parseKeep(values: readonly string[]): KeepSpec {
  const spec: KeepSpec = { classes: new Set(), literals: new Set() };
  for (const v of values) {
    if (v.startsWith('text:')) spec.literals.add(v.slice(5));
    else if (isRuleClass(v)) spec.classes.add(v);
    else if (Object.hasOwn(KEEP_GROUPS, v)) for (const c of KEEP_GROUPS[v] as readonly RuleClass[]) spec.classes.add(c);
    else spec.literals.add(v);
  }
  return spec;
}

export function activeClasses(keep: KeepSpec): RuleClass[] {
  return RULE_CLASSES.filter((c) => !keep.classes.has(c));
}
