// Turns a snapshot read for redaction into the spec of its redacted twin. Structure is
// never touched: the same PIDs, NSpid, PPid, uids, namespace links, starttimes and files
// come out, so the analysis of the output equals the input's except for replaced strings.
// Only these strings change:
//   nsnap.json     label, source.proc, view.hostname, procfs_mounts, env (not the distro
//                  name), and any field a later format revision adds
//   proc/<pid>/    comm, the Name line of status, the comm inside stat, cmdline, cgroup
//                  paths (names only), root/etc/os-release and wsl.conf
//   lsns.json      COMMAND (and any other text column), wslconfig, the top folder name,
//                  proc/sys/kernel/hostname
// Files whose text comes out unchanged are written byte for byte as read.

import { NsnapError } from '../errors.js';
import { checkManifest, type Manifest } from '../snapshot/manifest.js';
import type { ProcEntry, SnapshotSpec, ViewFiles } from '../snapshot/writer.js';
import { Identities } from './identities.js';
import type { PseudonymMap } from './pseudonyms.js';
import type { RawSnapshot } from './read-input.js';
import type { Redactor } from './redactor.js';
import { activeClasses, type KeepSpec } from './rule-classes.js';
import type { TextMode } from './text-rules.js';

/** Manifest fields that are structure or provenance, never personal (prefix match). */
const MANIFEST_KEEP = [
  'format',
  'format_version',
  'collector',
  'capture',
  'view.self_pid',
  'view.boot_id',
  'view.uptime_seconds',
  'view.uid',
  'view.euid',
  'view.cap_eff',
  'view.cap_prm',
  'view.cap_bnd',
  'lsns.file',
  'lsns.version',
  'lsns.ran',
  'lsns.exit_code',
  'counts',
  'denied',
  'vanished',
  'errors',
  'redaction',
  'wsl',
  // The distro name is how WSL bug reports are read, and WSL chose it, not the user.
  'env.WSL_DISTRO_NAME',
  'env.WSL2_GUI_APPS_ENABLED',
];

function manifestMode(path: string): TextMode | 'keep' {
  if (MANIFEST_KEEP.some((k) => path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`))) return 'keep';
  // A kernel release is a build name: only a host or user name baked into it is replaced.
  if (path.startsWith('view.kernel')) return 'identity';
  return 'text';
}

const utf8 = (b: Buffer | undefined): string => (b === undefined ? '' : b.toString('utf8'));

/** Finds the host and user names before any replacement, in a fixed order. */
export function discoverIdentities(raw: RawSnapshot, map: PseudonymMap): Identities {
  const ids = new Identities();
  const m = raw.view.manifest as Manifest;
  if (m.view.hostname) ids.addHostname(m.view.hostname);
  const kernelHost = raw.files.get('proc/sys/kernel/hostname');
  if (kernelHost) ids.addHostname(utf8(kernelHost));
  for (const h of map.originals('hostname')) ids.addHostname(h);
  const pids = [...raw.procs.keys()].sort((a, b) => a - b);
  for (const pid of pids) {
    const conf = raw.procs.get(pid)?.get('wsl.conf');
    if (conf) ids.discoverInWslConf(utf8(conf));
  }
  for (const u of map.originals('username')) ids.addUsername(u);
  const texts: string[] = [JSON.stringify(m), utf8(raw.files.get('wslconfig')), utf8(raw.files.get('lsns.json'))];
  for (const t of texts) ids.discoverUsers(t.replace(/\\\\/g, '\\'));
  for (const pid of pids) {
    const files = raw.procs.get(pid) as Map<string, Buffer>;
    for (const name of ['cmdline', 'comm', 'cgroup', 'os-release', 'wsl.conf', 'status']) {
      const b = files.get(name);
      if (b) ids.discoverUsers(name === 'cmdline' ? utf8(b).replace(/\0/g, '\n') : utf8(b));
    }
  }
  return ids;
}

/** Allocates pseudonyms for the names in discovery order, so host1 is the view's own host. */
export function reserveIdentities(ids: Identities, map: PseudonymMap, keep: KeepSpec): void {
  const lower = new Set([...keep.literals].map((l) => l.toLowerCase()));
  if (!keep.classes.has('hostname')) for (const h of ids.hostnames) if (!lower.has(h)) map.get('hostname', h);
  if (!keep.classes.has('username')) for (const u of ids.usernames) if (!lower.has(u)) map.get('username', u);
}

function redactJson(value: unknown, path: string, where: string, r: Redactor, modeOf: (p: string) => TextMode | 'keep'): unknown {
  if (typeof value === 'string') {
    const mode = modeOf(path);
    return mode === 'keep' ? value : r.text(value, `${where}:${path}`, mode);
  }
  if (Array.isArray(value)) return value.map((v, i) => redactJson(v, `${path}[${i}]`, where, r, modeOf));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactJson(v, path === '' ? k : `${path}.${k}`, where, r, modeOf);
    return out;
  }
  return value;
}

/** Re-encodes only when the text changed, so untouched files keep their exact bytes. */
function rewrite(data: Buffer | undefined, fn: (text: string) => string): Buffer | undefined {
  if (data === undefined) return undefined;
  const text = data.toString('utf8');
  const out = fn(text);
  return out === text ? data : Buffer.from(out, 'utf8');
}

function splitArgv(text: string): { args: string[]; trailing: boolean } {
  const trailing = text.endsWith('\0');
  const args = (trailing ? text.slice(0, -1) : text).split('\0');
  return { args, trailing };
}

export interface RedactionPlan {
  spec: SnapshotSpec;
  /** Entry paths of the output, for messages. */
  topFolder: string;
}

export interface PlanOptions {
  tool: string;
  keep: KeepSpec;
}

/**
 * Builds the redacted spec. `spec.processes` redacts lazily as the writer pulls; the
 * redactor's findings are complete once it has been consumed.
 */
export function planRedaction(raw: RawSnapshot, r: Redactor, options: PlanOptions): RedactionPlan {
  const input = raw.view.manifest as Manifest;
  const manifest = redactJson(input, '', 'nsnap.json', r, manifestMode) as Manifest;
  manifest.redaction = { tool: options.tool, rules: activeClasses(options.keep) };
  const problems = checkManifest(manifest);
  if (problems.length > 0) {
    // A replacement made a field too long or broke a pattern: refuse rather than emit
    // a snapshot that nsnap itself would reject.
    throw new NsnapError('INVALID_SNAPSHOT', `the redacted manifest would be invalid: ${problems.join('; ')}`, { exitCode: 2 });
  }

  let top = r
    .text(raw.topFolder, '(top folder)', 'identity')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 200);
  if (top === '' || /^\.+$/.test(top)) top = 'nsnap-redacted';

  const view: ViewFiles = {};
  const viewFile = (path: string, mode: TextMode | 'keep'): string | undefined => {
    const b = raw.files.get(path);
    if (b === undefined) return undefined;
    return mode === 'keep' ? utf8(b) : r.text(utf8(b), path, mode);
  };
  const set = <K extends keyof ViewFiles>(k: K, v: string | undefined): void => {
    if (v !== undefined) view[k] = v;
  };
  set('uptime', viewFile('proc/uptime', 'keep'));
  set('hostname', viewFile('proc/sys/kernel/hostname', 'text'));
  set('osrelease', viewFile('proc/sys/kernel/osrelease', 'identity'));
  set('version', viewFile('proc/sys/kernel/version', 'identity'));
  set('bootId', viewFile('proc/sys/kernel/random/boot_id', 'keep'));

  const argvOf = (pid: number): string[] | null => {
    const b = raw.procs.get(pid)?.get('cmdline');
    return b === undefined || b.length === 0 ? null : splitArgv(utf8(b)).args;
  };

  let lsns: string | null = null;
  const lsnsRaw = raw.files.get('lsns.json');
  if (lsnsRaw !== undefined) {
    const text = utf8(lsnsRaw);
    const parsed = JSON.parse(text) as { namespaces?: unknown };
    // COMMAND is the process's argv joined by spaces: redact it as that argv, so it reads
    // exactly like the redacted cmdline; anything else is free text.
    const rows = Array.isArray(parsed.namespaces) ? (parsed.namespaces as unknown[]) : [];
    const commandOf = new Map<number, string>();
    rows.forEach((row, i) => {
      if (typeof row !== 'object' || row === null) return;
      const o = row as Record<string, unknown>;
      const pid = typeof o.pid === 'number' ? o.pid : typeof o.pid === 'string' ? Number(o.pid) : NaN;
      const argv = Number.isSafeInteger(pid) ? argvOf(pid) : null;
      if (typeof o.command === 'string' && argv !== null && argv.join(' ') === o.command) {
        commandOf.set(i, r.argv(argv, `lsns.json:namespaces[${i}].command`).join(' '));
      }
    });
    const out = redactJson(parsed, '', 'lsns.json', r, (p) => {
      const m = /^namespaces\[([0-9]+)\]\.([a-z_]+)$/.exec(p);
      if (m && /^(?:ns|type|pns|ons|pid|ppid|nprocs|path)$/.test(m[2] as string)) return 'keep';
      if (m && m[2] === 'command' && commandOf.has(Number(m[1]))) return 'keep';
      return 'text';
    }) as { namespaces?: unknown[] };
    if (Array.isArray(out.namespaces)) {
      for (const [i, cmd] of commandOf) (out.namespaces[i] as Record<string, unknown>).command = cmd;
    }
    lsns = JSON.stringify(out) === JSON.stringify(parsed) ? text : `${JSON.stringify(out, null, 3)}\n`;
  }

  const wslconfigRaw = raw.files.get('wslconfig');
  const wslconfig = wslconfigRaw === undefined ? null : r.text(utf8(wslconfigRaw), 'wslconfig', 'text');

  const pids = [...raw.view.procs.keys()].sort((a, b) => a - b);
  function* processes(): Generator<ProcEntry> {
    for (const pid of pids) yield redactProcess(pid, raw, r);
  }

  const spec: SnapshotSpec = {
    topFolder: top,
    manifest,
    view,
    selfPid: raw.selfTarget === null ? null : Number(raw.selfTarget),
    lsns,
    wslconfig,
    processes: processes(),
  };
  return { spec, topFolder: top };
}

function redactProcess(pid: number, raw: RawSnapshot, r: Redactor): ProcEntry {
  const files = raw.procs.get(pid) ?? new Map<string, Buffer>();
  const base = `proc/${pid}`;
  const rec = raw.view.procs.get(pid);
  const comm = (text: string, where: string): string => r.text(text, where, 'text');
  const entry: ProcEntry = { pid };
  const set = <K extends keyof ProcEntry>(k: K, v: ProcEntry[K] | undefined): void => {
    if (v !== undefined) entry[k] = v;
  };
  set(
    'status',
    rewrite(files.get('status'), (t) =>
      t.replace(/^(Name:[ \t]*)(.*)$/m, (_m, head: string, name: string) => head + comm(name, `${base}/status`)),
    ),
  );
  set(
    'stat',
    rewrite(files.get('stat'), (t) => {
      // The comm may hold ')' itself: it runs from the first '(' to the LAST ')'.
      const open = t.indexOf('(');
      const close = t.lastIndexOf(')');
      if (open === -1 || close < open) return t;
      return t.slice(0, open + 1) + comm(t.slice(open + 1, close), `${base}/stat`) + t.slice(close);
    }),
  );
  set(
    'cmdline',
    rewrite(files.get('cmdline'), (t) => {
      if (t === '') return t;
      const { args, trailing } = splitArgv(t);
      return r.argv(args, `${base}/cmdline`).join('\0') + (trailing ? '\0' : '');
    }),
  );
  set(
    'comm',
    rewrite(files.get('comm'), (t) => {
      const nl = t.endsWith('\n');
      return comm(nl ? t.slice(0, -1) : t, `${base}/comm`) + (nl ? '\n' : '');
    }),
  );
  set(
    'cgroup',
    rewrite(files.get('cgroup'), (t) => r.text(t, `${base}/cgroup`, 'identity')),
  );
  if (rec && Object.keys(rec.ns).length > 0) entry.ns = { ...rec.ns };
  set(
    'osRelease',
    rewrite(files.get('os-release'), (t) => r.text(t, `${base}/root/etc/os-release`, 'text')),
  );
  set(
    'wslConf',
    rewrite(files.get('wsl.conf'), (t) => r.text(t, `${base}/root/etc/wsl.conf`, 'text')),
  );
  return entry;
}
