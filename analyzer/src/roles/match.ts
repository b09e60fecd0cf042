// Decides whether one rule's match holds for one PID namespace, and collects what
// matched as evidence. Pure: facts and the roles decided so far (parents first) in,
// a result out.

import { INITIAL_INODES } from '../procfs/ns-link.js';
import type { Role } from '../model/types.js';
import type { NsFacts, ProcFacts } from './facts.js';
import type { Finding, Match, MatchResult, ProcessTest } from './rule-types.js';

export interface MatchContext {
  roleOf: (nsId: string) => Role | undefined;
}

/** How many processes one evidence line names before "and N more". */
const LIST_CAP = 5;

export function testProcess(t: ProcessTest, p: ProcFacts): boolean {
  if (t.comm && !t.comm(p.comm)) return false;
  if (t.exe && !t.exe(p.exe)) return false;
  if (t.cmdline && !t.cmdline(p.cmdline)) return false;
  if (t.cgroup && !p.cgroups.some((c) => (t.cgroup as (s: string) => boolean)(c))) return false;
  if (t.uid && (p.uid === null || !t.uid.includes(p.uid))) return false;
  if (t.pid && !t.pid.includes(p.pid)) return false;
  if (t.kernelThread !== undefined && t.kernelThread !== p.kernelThread) return false;
  return true;
}

export function procRef(p: ProcFacts): string {
  return `${p.comm} (${p.node.id})`;
}

/** Longest process title shown in evidence. */
const TITLE_CAP = 100;

/**
 * How evidence names a program: the basename of argv[0], or the whole title when the
 * process replaced its command line with a bracketed title (`[lxc monitor] /var/lib/lxc web1`).
 */
export function programName(p: ProcFacts): string {
  const rewritten = p.exe.startsWith('[') && p.words.length > 1;
  const name = rewritten ? p.title : p.exe || p.comm;
  return name.length > TITLE_CAP ? `${name.slice(0, TITLE_CAP - 1)}…` : name;
}

export function procList(ps: ProcFacts[]): string {
  const shown = ps.slice(0, LIST_CAP).map(procRef);
  if (ps.length > LIST_CAP) shown.push(`and ${ps.length - LIST_CAP} more`);
  return shown.join(', ');
}

export function matchNamespace(m: Match, f: NsFacts, ctx: MatchContext): MatchResult | null {
  const findings: Finding[] = [];
  const matched: ProcFacts[] = [];
  let creator: ProcFacts | null = null;
  const node = f.node;
  if (m.inode) {
    if (node.inode === null || !m.inode.includes(node.inode)) return null;
    const initial = node.inode === INITIAL_INODES.pid ? ' (the initial PID namespace)' : '';
    findings.push({ kind: 'inode', text: `inode ${node.inode}${initial}` });
  }
  if (m.outermost !== undefined) {
    const outermost = node.parent === null;
    if (outermost !== m.outermost) return null;
    findings.push({ kind: 'outermost', text: outermost ? 'outermost namespace in the model' : 'has a parent namespace' });
  }
  if (m.depth) {
    if (node.depth === null || node.depth < m.depth.min || node.depth > m.depth.max) return null;
    findings.push({ kind: 'depth', text: `depth ${node.depth}` });
  }
  if (m.parentRole) {
    const role = node.parent ? ctx.roleOf(node.parent) : undefined;
    if (role === undefined || !m.parentRole.includes(role)) return null;
    findings.push({ kind: 'parent', text: `parent ${node.parent} is ${role}` });
  }
  if (m.init) {
    if (!f.init || !testProcess(m.init, f.init)) return null;
    findings.push({ kind: 'init', text: `init ${f.init.cmdline || f.init.comm} (${f.init.node.id})` });
  }
  if (m.initParent) {
    if (!f.initParent || !testProcess(m.initParent, f.initParent)) return null;
    creator = f.initParent;
    findings.push({ kind: 'initParent', text: `created by ${programName(f.initParent)} (${f.initParent.node.id})` });
  }
  if (m.initAncestor) {
    const test = m.initAncestor;
    const i = f.initAncestors.findIndex((p) => testProcess(test, p));
    if (i === -1) return null;
    const found = f.initAncestors[i] as ProcFacts;
    creator ??= found;
    const how = i === 0 ? "the init's parent" : `an ancestor of the init, ${i + 1} levels up`;
    findings.push({ kind: 'initParent', text: `created by ${programName(found)} (${found.node.id}), ${how}` });
  }
  if (m.allOf) {
    const found: ProcFacts[] = [];
    for (const t of m.allOf) {
      const p = f.members.find((x) => testProcess(t, x));
      if (!p) return null;
      if (!found.includes(p)) found.push(p);
    }
    matched.push(...found);
    findings.push({ kind: 'processes', text: `processes ${procList(found)}` });
  }
  if (m.anyOf) {
    const tests = m.anyOf;
    const found = f.members.filter((x) => tests.some((t) => testProcess(t, x)));
    if (found.length === 0) return null;
    for (const p of found) if (!matched.includes(p)) matched.push(p);
    findings.push({ kind: 'processes', text: `processes ${procList(found)}` });
  }
  if (m.noneOf) {
    const tests = m.noneOf;
    if (f.members.some((x) => tests.some((t) => testProcess(t, x)))) return null;
    findings.push({ kind: 'processes', text: `no process with ${tests.map((t) => t.text).join('; ')}` });
  }
  if (m.count) {
    const of = m.count.of;
    const n = of ? f.members.filter((x) => testProcess(of, x)).length : f.members.length;
    if (n < m.count.min || n > m.count.max) return null;
    findings.push({ kind: 'count', text: `${n} process${n === 1 ? '' : 'es'}${of ? ` with ${of.text}` : ''}` });
  }
  if (m.cgroup) {
    const test = m.cgroup;
    const hit = f.cgroups.find((c) => test(c.value));
    if (!hit) return null;
    findings.push({ kind: 'cgroup', text: `cgroup ${hit.value} (${hit.from})` });
  }
  if (m.newCgroup !== undefined) {
    // Runtimes move a container's init into a cgroup of its own; `unshare` does not.
    const init = f.init;
    const par = f.initParent;
    const differs = !init || !par || init.cgroups.join('\n') !== par.cgroups.join('\n');
    if (differs !== m.newCgroup) return null;
    const text = !init || !par ? "the init's parent is not visible" : `the init's cgroup ${differs ? 'differs from' : 'is'} its parent's`;
    findings.push({ kind: 'cgroup', text });
  }
  if (m.osRelease) {
    const os = f.osRelease;
    if (!os) return null;
    for (const [key, test] of m.osRelease) {
      const v = os.value[key];
      if (v === undefined || !test(v)) return null;
    }
    const shown = m.osRelease.map(([k]) => `${k}=${os.value[k] ?? ''}`).join(' ');
    findings.push({ kind: 'os-release', text: `os-release ${shown} (${os.from})` });
  }
  if (m.env) {
    const tests = m.env;
    const hit = f.env.find((e) => tests.every(([k, test]) => e.value[k] !== undefined && test(e.value[k] as string)));
    if (!hit) return null;
    findings.push({ kind: 'env', text: `${tests.map(([k]) => `${k}=${hit.value[k] ?? ''}`).join(' ')} in ${hit.from}` });
  }
  if (m.kernel) {
    if (f.kernel === null || !m.kernel(f.kernel)) return null;
    findings.push({ kind: 'kernel', text: `kernel ${f.kernel}` });
  }
  if (m.any) {
    let hit: MatchResult | null = null;
    for (const sub of m.any) if ((hit = matchNamespace(sub, f, ctx)) !== null) break;
    if (!hit) return null;
    findings.push(...hit.findings);
    for (const p of hit.matched) if (!matched.includes(p)) matched.push(p);
    creator ??= hit.creator;
  }
  return { findings, matched, creator };
}
