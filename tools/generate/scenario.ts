// Scenario files (samples/scenarios/*.yaml): a compact, hand-written boot model. The
// loader is strict: unknown keys, wrong types and YAML alias expansion beyond a few
// aliases are errors naming the file and the key, so a typo never silently changes a
// sample. samples/README.md documents every key.

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import {
  OTHER_NS_TYPES,
  checkModel,
  indexModel,
  type BootModel,
  type LsnsSpec,
  type ModelProcess,
  type OtherNsType,
  type PidNamespace,
  type ViewModel,
} from './boot-model.js';

export class ScenarioError extends Error {
  readonly code = 'SCENARIO';
}

/** Aliases make YAML graphs; a handful is plenty for a scenario and stops alias bombs. */
export const MAX_ALIASES = 16;

export interface Scenario {
  /** Output folder relative to samples/, e.g. "wsl/gui-on". */
  output: string;
  model: BootModel;
}

type Obj = Record<string, unknown>;

class Reader {
  constructor(readonly file: string) {}

  fail(where: string, message: string): never {
    throw new ScenarioError(`${this.file}: ${where === '' ? '' : `${where}: `}${message}`);
  }

  obj(value: unknown, where: string, allowed: readonly string[], required: readonly string[] = []): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(where, 'must be a mapping');
    const o = value as Obj;
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) this.fail(where, `unknown key '${key}' (allowed: ${allowed.join(', ')})`);
    }
    for (const key of required) if (o[key] === undefined) this.fail(where, `missing key '${key}'`);
    return o;
  }

  list(value: unknown, where: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(where, 'must be a list');
    return value;
  }

  str(value: unknown, where: string): string {
    if (typeof value !== 'string') this.fail(where, 'must be a string');
    return value;
  }

  int(value: unknown, where: string, min = 0): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) this.fail(where, `must be an integer >= ${min}`);
    return value;
  }

  num(value: unknown, where: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) this.fail(where, 'must be a number >= 0');
    return value;
  }

  bool(value: unknown, where: string): boolean {
    if (typeof value !== 'boolean') this.fail(where, 'must be true or false');
    return value;
  }
}

const TOP_KEYS = ['output', 'boot', 'files', 'namespaces', 'views'] as const;
const BOOT_KEYS = ['boot_id', 'kernel', 'ticks_per_pid', 'shared'] as const;
const NS_KEYS = ['inode', 'parent', 'ns', 'uid', 'cgroup_path', 'next_pid', 'os_release', 'wsl_conf', 'kthreads', 'processes'] as const;
const PROC_KEYS = [
  'id',
  'pid',
  'ppid',
  'comm',
  'cmd',
  'uid',
  'gid',
  'start',
  'state',
  'ns',
  'cgroup_path',
  'only_in',
  'setsid',
  'setpgid',
  'os_release',
  'wsl_conf',
] as const;
const VIEW_KEYS = ['name', 'label', 'root', 'collector', 'hostname', 'env', 'wslconfig', 'lsns', 'capture', 'seconds', 'uptime'] as const;
const ENV_KEYS = ['WSL_DISTRO_NAME', 'WSL2_GUI_APPS_ENABLED', 'WSLENV', 'DISPLAY', 'WAYLAND_DISPLAY', 'PULSE_SERVER', 'WSL_INTEROP_set'];

interface Draft {
  where: string;
  key: string;
  ns: number;
  pids: (number | null)[];
  ppid: number;
  comm: string;
  argv: string[];
  uid: number;
  gid: number | null;
  start: number | null;
  state: string | null;
  nsOverride: Partial<Record<OtherNsType, number>>;
  cgroup: string;
  onlyIn?: string[];
  setsid: boolean | null;
  setpgid: boolean;
  osRelease?: string;
  wslConf?: string;
  kthread: boolean;
}

/** Parses YAML text with the alias cap; every YAML error becomes a ScenarioError. */
export function parseScenarioYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(`${file}: invalid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? 'parse error'}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    const msg = (e as Error).message;
    if (/alias/i.test(msg)) {
      throw new ScenarioError(`${file}: too many YAML alias expansions (more than ${MAX_ALIASES}); write the values out instead`);
    }
    throw new ScenarioError(`${file}: invalid YAML: ${msg}`);
  }
}

export function loadScenarioFile(file: string): Scenario {
  return scenarioFromText(readFileSync(file, 'utf8'), file);
}

export function scenarioFromText(text: string, file: string): Scenario {
  const r: Reader = new Reader(file);
  const top = r.obj(parseScenarioYaml(text, file), '', TOP_KEYS, ['output', 'boot', 'namespaces', 'views']);
  const output = r.str(top.output, 'output');
  if (!/^[a-z0-9][a-z0-9/_-]*$/.test(output) || output.includes('..')) r.fail('output', 'must be a relative folder like wsl/gui-on');

  const boot = r.obj(top.boot, 'boot', BOOT_KEYS, ['boot_id', 'kernel', 'shared']);
  const kernel = r.obj(boot.kernel, 'boot.kernel', ['release', 'version'], ['release', 'version']);
  const ticks = boot.ticks_per_pid === undefined ? 5 : r.int(boot.ticks_per_pid, 'boot.ticks_per_pid', 1);
  const sharedObj = r.obj(boot.shared, 'boot.shared', ['net', 'user', 'cgroup', 'time'], ['net', 'user', 'cgroup', 'time']);
  const shared: Partial<Record<OtherNsType, number>> = {};
  for (const [k, v] of Object.entries(sharedObj)) shared[k as OtherNsType] = r.int(v, `boot.shared.${k}`, 1);

  const files = new Map<string, string>();
  if (top.files !== undefined) {
    const fo = r.obj(top.files, 'files', Object.keys(top.files ?? {}));
    for (const [k, v] of Object.entries(fo)) files.set(k, r.str(v, `files.${k}`));
  }
  const fileRef = (v: unknown, where: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    const name = r.str(v, where);
    const text = files.get(name);
    if (text === undefined) r.fail(where, `no file '${name}' under files`);
    return text;
  };
  const nsMap = (v: unknown, where: string): Partial<Record<OtherNsType, number>> => {
    const o = r.obj(v ?? {}, where, OTHER_NS_TYPES);
    const out: Partial<Record<OtherNsType, number>> = {};
    for (const [k, val] of Object.entries(o)) out[k as OtherNsType] = r.int(val, `${where}.${k}`, 1);
    return out;
  };

  const namespaces: PidNamespace[] = [];
  const nsDefaults = new Map<number, { ns: Partial<Record<OtherNsType, number>>; nextPid: number }>();
  const inits = new Map<number, { osRelease?: string; wslConf?: string }>();
  const drafts: Draft[] = [];
  const depthOf = new Map<number, number>();
  r.list(top.namespaces, 'namespaces').forEach((raw, i) => {
    const where = `namespaces[${i}]`;
    const o = r.obj(raw, where, NS_KEYS, ['inode']);
    const inode = r.int(o.inode, `${where}.inode`, 1);
    const parent = o.parent === undefined || o.parent === null ? null : r.int(o.parent, `${where}.parent`, 1);
    if (depthOf.has(inode)) r.fail(`${where}.inode`, `namespace ${inode} is declared twice`);
    if (parent !== null && !depthOf.has(parent)) r.fail(`${where}.parent`, `parent ${parent} must be declared before its children`);
    const depth = parent === null ? 0 : (depthOf.get(parent) as number) + 1;
    depthOf.set(inode, depth);
    namespaces.push({ inode, parent });
    const parentDefaults = parent === null ? shared : (nsDefaults.get(parent)?.ns ?? shared);
    const ns = { ...parentDefaults, ...nsMap(o.ns, `${where}.ns`) };
    for (const t of OTHER_NS_TYPES) if (ns[t] === undefined) r.fail(`${where}.ns`, `no ${t} namespace given here or inherited`);
    nsDefaults.set(inode, { ns, nextPid: o.next_pid === undefined ? 2 : r.int(o.next_pid, `${where}.next_pid`, 1) });
    inits.set(inode, { osRelease: fileRef(o.os_release, `${where}.os_release`), wslConf: fileRef(o.wsl_conf, `${where}.wsl_conf`) });
    const nsUid = o.uid === undefined ? 0 : r.int(o.uid, `${where}.uid`);
    const nsCgroup = o.cgroup_path === undefined ? '/' : r.str(o.cgroup_path, `${where}.cgroup_path`);

    // Kernel threads: children of kthreadd (PID 2 of this namespace), empty cmdline.
    r.list(o.kthreads, `${where}.kthreads`).forEach((name, j) => {
      drafts.push({
        where: `${where}.kthreads[${j}]`,
        key: '',
        ns: inode,
        pids: [...Array.from({ length: depth + 1 }, () => null)],
        ppid: 2,
        comm: r.str(name, `${where}.kthreads[${j}]`),
        argv: [],
        uid: 0,
        gid: 0,
        start: null,
        state: 'I',
        nsOverride: {},
        cgroup: '/',
        setsid: null,
        setpgid: false,
        kthread: true,
      });
    });
    r.list(o.processes, `${where}.processes`).forEach((rawP, j) => {
      const pw = `${where}.processes[${j}]`;
      const p = r.obj(rawP, pw, PROC_KEYS, ['pid']);
      let pids: (number | null)[];
      if (Array.isArray(p.pid)) {
        if (p.pid.length !== depth + 1) r.fail(`${pw}.pid`, `a list needs ${depth + 1} entries (one per level, root first; ~ to allocate)`);
        pids = p.pid.map((x, k) => (x === null ? null : r.int(x, `${pw}.pid[${k}]`, 1)));
      } else {
        pids = [...Array.from({ length: depth }, () => null), r.int(p.pid, `${pw}.pid`, 1)];
      }
      const argv =
        p.cmd === undefined || p.cmd === null
          ? []
          : Array.isArray(p.cmd)
            ? p.cmd.map((a, k) => r.str(a, `${pw}.cmd[${k}]`))
            : r.str(p.cmd, `${pw}.cmd`).split(' ');
      const base = (argv[0] ?? '').replace(/^-/, '').split('/').pop() ?? '';
      const comm = p.comm === undefined ? base : r.str(p.comm, `${pw}.comm`);
      if (comm === '') r.fail(pw, 'a process without cmd needs a comm');
      const uid = p.uid === undefined ? nsUid : r.int(p.uid, `${pw}.uid`);
      drafts.push({
        where: pw,
        key: p.id === undefined ? '' : r.str(p.id, `${pw}.id`),
        ns: inode,
        pids,
        ppid: p.ppid === undefined ? 0 : r.int(p.ppid, `${pw}.ppid`),
        comm,
        argv,
        uid,
        gid: p.gid === undefined ? null : r.int(p.gid, `${pw}.gid`),
        start: p.start === undefined ? null : r.int(p.start, `${pw}.start`),
        state: p.state === undefined ? null : r.str(p.state, `${pw}.state`),
        nsOverride: nsMap(p.ns, `${pw}.ns`),
        cgroup: p.cgroup_path === undefined ? nsCgroup : r.str(p.cgroup_path, `${pw}.cgroup_path`),
        onlyIn: p.only_in === undefined ? undefined : r.list(p.only_in, `${pw}.only_in`).map((x, k) => r.str(x, `${pw}.only_in[${k}]`)),
        setsid: p.setsid === undefined ? null : r.bool(p.setsid, `${pw}.setsid`),
        setpgid: p.setpgid === undefined ? false : r.bool(p.setpgid, `${pw}.setpgid`),
        osRelease: fileRef(p.os_release, `${pw}.os_release`),
        wslConf: fileRef(p.wsl_conf, `${pw}.wsl_conf`),
        kthread: false,
      });
    });
  });

  // Chains of PID namespaces, root first.
  const parentOf = new Map(namespaces.map((n) => [n.inode, n.parent]));
  const chainOf = (inode: number): number[] => {
    const out: number[] = [];
    for (let cur: number | null | undefined = inode; cur != null; cur = parentOf.get(cur)) out.unshift(cur);
    return out;
  };

  // Allocate the PIDs not given: per namespace, upwards from next_pid, skipping used ones.
  const used = new Map<number, Set<number>>();
  for (const d of drafts) {
    chainOf(d.ns).forEach((ns, lvl) => {
      const pid = d.pids[lvl];
      if (pid == null) return;
      let set = used.get(ns);
      if (!set) used.set(ns, (set = new Set()));
      if (set.has(pid)) r.fail(d.where, `PID ${pid} is used twice in namespace ${ns}`);
      set.add(pid);
    });
  }
  for (const d of drafts) {
    chainOf(d.ns).forEach((ns, lvl) => {
      if (d.pids[lvl] != null) return;
      const set = used.get(ns) ?? new Set<number>();
      used.set(ns, set);
      const defaults = nsDefaults.get(ns) as { nextPid: number };
      while (set.has(defaults.nextPid)) defaults.nextPid += 1;
      d.pids[lvl] = defaults.nextPid;
      set.add(defaults.nextPid);
    });
  }

  // Keys, then parents: ppid is the parent's PID in the parent's own namespace, searched
  // from the process's namespace outwards (from the parent namespace for an init).
  const byLevelPid = new Map<string, Draft>();
  for (const d of drafts) {
    const pids = d.pids as number[];
    const own = pids[pids.length - 1] as number;
    byLevelPid.set(`${d.ns}/${own}`, d);
    if (d.key === '') d.key = `pid-${pids[0]}`;
  }
  const keys = new Set<string>();
  for (const d of drafts) {
    if (keys.has(d.key)) r.fail(d.where, `id '${d.key}' is used twice`);
    keys.add(d.key);
  }
  const parentOfDraft = new Map<Draft, Draft | null>();
  for (const d of drafts) {
    if (d.ppid === 0) {
      parentOfDraft.set(d, null);
      continue;
    }
    const chain = chainOf(d.ns);
    const own = (d.pids as number[])[chain.length - 1];
    const from = own === 1 ? chain.length - 2 : chain.length - 1;
    let found: Draft | undefined;
    for (let lvl = from; lvl >= 0 && !found; lvl -= 1) found = byLevelPid.get(`${chain[lvl]}/${d.ppid}`);
    if (!found) r.fail(`${d.where}.ppid`, `no process with PID ${d.ppid} in namespace ${d.ns} or its ancestors`);
    parentOfDraft.set(d, found);
  }
  // Kernel threads: kthreadd (root PID 2, no cmdline) and its children without a cmdline.
  for (const d of drafts) {
    const parent = parentOfDraft.get(d) ?? null;
    const root2 = (x: Draft): boolean => x.argv.length === 0 && (x.pids as number[]).length === 1 && (x.pids as number[])[0] === 2;
    if (d.argv.length === 0 && (root2(d) || (parent !== null && root2(parent)))) d.kthread = true;
  }

  // Sessions and process groups: a leader is itself; others inherit from the parent.
  const session = new Map<Draft, Draft | null>();
  const pgrp = new Map<Draft, Draft | null>();
  const lead = (d: Draft, depth = 0): void => {
    if (session.has(d)) return;
    if (depth > 10000) r.fail(d.where, 'parent chain too long');
    const parent = parentOfDraft.get(d) ?? null;
    const pids = d.pids as number[];
    const isInit = pids[pids.length - 1] === 1;
    if (d.kthread || (parent === null && !isInit)) {
      session.set(d, d.kthread ? null : d);
      pgrp.set(d, d.kthread ? null : d);
      return;
    }
    const leader = d.setsid ?? (isInit || parent === null || parent.ns !== d.ns);
    if (leader || !parent) {
      session.set(d, d);
      pgrp.set(d, d);
      return;
    }
    lead(parent, depth + 1);
    session.set(d, session.get(parent) ?? null);
    pgrp.set(d, d.setpgid ? d : (pgrp.get(parent) ?? null));
  };
  for (const d of drafts) lead(d);

  const processes: ModelProcess[] = drafts.map((d) => {
    const pids = d.pids as number[];
    const isInit = pids[pids.length - 1] === 1;
    const init = isInit ? inits.get(d.ns) : undefined;
    const ns = { ...(nsDefaults.get(d.ns)?.ns ?? {}), ...d.nsOverride } as Record<OtherNsType, number>;
    const parent = parentOfDraft.get(d) ?? null;
    const s = session.get(d) ?? null;
    const g = pgrp.get(d) ?? null;
    const proc: ModelProcess = {
      key: d.key,
      pidNs: d.ns,
      nspid: pids,
      parent: parent ? parent.key : null,
      comm: d.comm,
      argv: d.argv,
      uid: d.uid,
      gid: d.gid ?? d.uid,
      starttime: d.start ?? (pids[0] as number) * ticks + 7,
      state: d.state ?? 'S',
      ns,
      session: s ? s.key : null,
      pgrp: g ? g.key : null,
      cgroup: d.cgroup,
      kthread: d.kthread,
    };
    const osRelease = d.osRelease ?? init?.osRelease;
    const wslConf = d.wslConf ?? init?.wslConf;
    if (osRelease !== undefined) proc.osRelease = osRelease;
    if (wslConf !== undefined) proc.wslConf = wslConf;
    if (d.onlyIn !== undefined) proc.onlyIn = d.onlyIn;
    return proc;
  });

  const views: ViewModel[] = r.list(top.views, 'views').map((raw, i) => {
    const where = `views[${i}]`;
    const o = r.obj(raw, where, VIEW_KEYS, ['name', 'root', 'collector', 'hostname', 'capture', 'uptime']);
    const name = r.str(o.name, `${where}.name`);
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) r.fail(`${where}.name`, 'must be a file name like debug-shell');
    const env: Record<string, string | boolean> = {};
    const eo = r.obj(o.env ?? {}, `${where}.env`, ENV_KEYS);
    for (const [k, v] of Object.entries(eo))
      env[k] = k === 'WSL_INTEROP_set' ? r.bool(v, `${where}.env.${k}`) : r.str(v, `${where}.env.${k}`);
    let lsns: LsnsSpec | null = null;
    if (o.lsns !== undefined && o.lsns !== false) {
      const lo = r.obj(o.lsns, `${where}.lsns`, ['version', 'command'], ['version']);
      lsns = {
        version: r.str(lo.version, `${where}.lsns.version`),
        command:
          lo.command === undefined
            ? 'lsns -J --output NS,TYPE,PATH,NPROCS,PID,PPID,PNS,ONS,COMMAND'
            : r.str(lo.command, `${where}.lsns.command`),
      };
    }
    const capture = r.str(o.capture, `${where}.capture`);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(capture)) r.fail(`${where}.capture`, 'must be UTC like 2026-11-29T03:40:00Z');
    return {
      name,
      label: o.label === undefined ? name : r.str(o.label, `${where}.label`),
      rootNs: r.int(o.root, `${where}.root`, 1),
      collector: r.str(o.collector, `${where}.collector`),
      hostname: r.str(o.hostname, `${where}.hostname`),
      env,
      wslconfig: fileRef(o.wslconfig, `${where}.wslconfig`) ?? null,
      lsns,
      captureStart: capture,
      captureSeconds: o.seconds === undefined ? 0.5 : r.num(o.seconds, `${where}.seconds`),
      uptimeSeconds: r.num(o.uptime, `${where}.uptime`),
    };
  });
  const viewNames = new Set(views.map((v) => v.name));
  for (const d of drafts) for (const n of d.onlyIn ?? []) if (!viewNames.has(n)) r.fail(`${d.where}.only_in`, `no view named '${n}'`);

  const model: BootModel = {
    bootId: r.str(boot.boot_id, 'boot.boot_id'),
    kernelRelease: r.str(kernel.release, 'boot.kernel.release'),
    kernelVersion: r.str(kernel.version, 'boot.kernel.version'),
    namespaces,
    processes,
    views,
    origin: `scenario ${file.split('/').slice(-2).join('/')}`,
  };
  try {
    checkModel(model, indexModel(model));
  } catch (e) {
    r.fail('', (e as Error).message);
  }
  return { output, model };
}
