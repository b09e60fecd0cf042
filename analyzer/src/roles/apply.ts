// applyRoles: gives every namespace a role, a label and evidence from the rules, then
// decides each view's level and the WSL configuration. PID namespaces are decided
// parents first (rules may test the parent's role); labels come after all roles, since
// a system distro is labelled by the user distro it is paired with. Other namespace
// types take the role of the outermost PID namespace among their members.

import type { Analysis, NamespaceNode, Role } from '../model/types.js';
import { INITIAL_INODES, NS_TYPES, type NsType } from '../procfs/ns-link.js';
import type { ViewData } from '../snapshot/view-data.js';
import { gatherFacts, optionValue, type Facts, type NsFacts, type ProcFacts } from './facts.js';
import { matchNamespace, procList, procRef, programName, testProcess } from './match.js';
import type { Decision, Finding, RuleSet } from './rule-types.js';
import { renderTemplates, type Template } from './template.js';
import { decideLevels } from './view-levels.js';
import { decideConfig } from './wsl-config.js';

/** The roles only the initial PID namespace may have. */
const INITIAL_ROLES: ReadonlySet<Role> = new Set<Role>(['host', 'wsl-vm']);

export function applyRoles(analysis: Analysis, views: ViewData[], rules: RuleSet): void {
  const facts = gatherFacts(analysis, views);
  const decided = new Map<string, Decision>();
  const roleOf = (id: string): Role | undefined => {
    const d = decided.get(id);
    if (d) return d.rule.role;
    return facts.namespaces.has(id) ? 'unknown' : undefined;
  };
  for (const f of facts.pidOrder) {
    let best: Decision | null = null;
    for (const rule of rules.rules) {
      // The machine's own PID namespace is the host or the WSL VM, whatever its members
      // run; and only it can be either. No rule, built-in or user, can say otherwise.
      if (INITIAL_ROLES.has(rule.role) !== f.initial) continue;
      // Highest priority wins; on a tie the rule loaded later (a user file) wins.
      if (best && (rule.priority < best.rule.priority || (rule.priority === best.rule.priority && rule.order < best.rule.order))) continue;
      const result = matchNamespace(rule.match, f, { roleOf });
      if (result) best = { rule, result };
    }
    if (best) decided.set(f.node.id, best);
  }
  for (const f of facts.pidOrder) {
    const d = decided.get(f.node.id);
    f.node.role = d ? d.rule.role : 'unknown';
    const label = d ? labelOf(d, f, facts, decided) : null;
    f.node.evidence = d ? [...evidenceOf(d, f, facts, decided), ...(label?.sources ?? []).map((x) => `rule ${d.rule.name}: ${x}`)] : [];
    f.node.label = tidy(label ? label.text : f.node.label);
  }
  inheritRoles(analysis.namespaces, facts);
  decideLevels(analysis, views, facts, decided);
  decideConfig(analysis, views, facts);
}

function usesVariable(templates: Template[], name: string): boolean {
  return templates.some((t) => t.some((p) => 'variable' in p && p.variable === name));
}

/** The first child PID namespace that is a user distro with a name, else any child with a distro name. */
function pairedChild(f: NsFacts, facts: Facts, decided: Map<string, Decision>): NsFacts | null {
  const kids = f.node.children.map((id) => facts.namespaces.get(id)).filter((k): k is NsFacts => k !== undefined && k.distro !== null);
  return kids.find((k) => decided.get(k.node.id)?.rule.role === 'wsl-user-distro') ?? kids[0] ?? null;
}

function evidenceOf(d: Decision, f: NsFacts, facts: Facts, decided: Map<string, Decision>): string[] {
  const { rule, result } = d;
  const wanted = rule.evidence;
  const findings: Finding[] = result.findings.filter((x) => wanted === null || wanted.includes(x.kind));
  for (const extra of rule.extraEvidence) {
    const found = f.members.filter((p) => testProcess(extra.test, p));
    if (found.length > 0) findings.push({ kind: 'processes', text: `${extra.as} ${procList(found)}` });
  }
  if (wanted === null || wanted.includes('distro')) {
    if (usesVariable(rule.labels, 'distro') && f.distro)
      findings.push({ kind: 'distro', text: `distro ${f.distro.value} from ${f.distro.from}` });
    const child = usesVariable(rule.labels, 'child.distro') ? pairedChild(f, facts, decided) : null;
    if (child?.distro)
      findings.push({ kind: 'distro', text: `paired with ${child.node.id} (${child.distro.value}, from ${child.distro.from})` });
    if (usesVariable(rule.labels, 'systemd') && f.systemd) {
      findings.push({ kind: 'distro', text: `systemd ${f.systemd.value ? 'on' : 'off'}: ${f.systemd.from}` });
    }
  }
  const seen = new Set<string>();
  return findings.map((x) => `rule ${rule.name}: ${x.text}`).filter((s) => !seen.has(s) && Boolean(seen.add(s)));
}

/** The label, and where the names in it came from (argv options and words, cgroup paths). */
function labelOf(d: Decision, f: NsFacts, facts: Facts, decided: Map<string, Decision>): { text: string; sources: string[] } {
  const { rule, result } = d;
  const init = f.init;
  const initParent = f.initParent;
  const creator = result.creator;
  const parent = f.node.parent ? facts.namespaces.get(f.node.parent) : undefined;
  const procOf = (who: string): ProcFacts | null => (who === 'init' ? init : who === 'initParent' ? initParent : creator);
  const lookup = (name: string): string | null => {
    if (name.startsWith('os.')) return f.osRelease?.value[name.slice(3)] ?? null;
    const arg = /^(init|initParent|creator)\.(opt|arg)\.(.+)$/.exec(name);
    if (arg) {
      const p = procOf(arg[1] as string);
      if (!p) return null;
      if (arg[2] === 'opt') return optionValue(p.words, arg[3] as string);
      const i = arg[3] === 'last' ? p.words.length - 1 : Number(arg[3]);
      return p.words[i] ?? null;
    }
    if (name.startsWith('env.')) return f.env.map((e) => e.value[name.slice(4)]).find((v) => v !== undefined) ?? null;
    switch (name) {
      case 'id':
        return f.node.id;
      case 'inode':
        return f.node.inode === null ? null : String(f.node.inode);
      case 'depth':
        return f.node.depth === null ? null : String(f.node.depth);
      case 'role':
        return rule.role;
      case 'processes':
        return String(f.members.length);
      case 'matched': {
        const names = [...new Set(result.matched.map((p) => p.comm))];
        return names.length === 0 ? null : names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
      }
      case 'distro':
        return f.distro?.value ?? null;
      case 'systemd':
        return f.systemd ? (f.systemd.value ? 'on' : 'off') : null;
      case 'kernel':
        return f.kernel;
      case 'init.comm':
        return init?.comm ?? null;
      case 'init.cmdline':
        return init ? init.cmdline || null : null;
      case 'init.exe':
        return init ? init.exe || null : null;
      case 'init.uid':
        return init?.uid === null || init?.uid === undefined ? null : String(init.uid);
      case 'initParent.comm':
        return initParent?.comm ?? null;
      case 'initParent.cmdline':
        return initParent ? initParent.cmdline || null : null;
      case 'initParent.exe':
        return initParent ? initParent.exe || null : null;
      case 'init.title':
        return init ? init.title || null : null;
      case 'initParent.title':
        return initParent ? initParent.title || null : null;
      case 'creator.comm':
        return creator?.comm ?? null;
      case 'creator.exe':
        return creator ? creator.exe || null : null;
      case 'creator.title':
        return creator ? creator.title || null : null;
      case 'hostname':
        return f.hostnames[0] ?? null;
      case 'cgroup.pod':
        return f.container?.pod ?? null;
      case 'cgroup.container':
        return f.container?.short ?? null;
      case 'cgroup.container_id':
        return f.container && /^[0-9a-f]{64}$/.test(f.container.id) ? f.container.short : null;
      case 'cgroup.runtime':
        return f.container?.runtime ?? null;
      case 'cgroup.path':
        return f.cgroups[0]?.value ?? null;
      case 'child.distro':
        return pairedChild(f, facts, decided)?.distro?.value ?? null;
      case 'parent.distro':
        return parent?.distro?.value ?? null;
      default:
        return null;
    }
  };
  const text = renderTemplates(rule.labels, lookup);
  // The template used is the first whose variables all resolve; say where its names came from.
  const used = rule.labels.find((t) => t.every((p) => !('variable' in p) || (lookup(p.variable) ?? '') !== ''));
  const sources: string[] = [];
  for (const part of used ?? []) {
    if (!('variable' in part)) continue;
    const v = part.variable;
    const value = lookup(v) as string;
    const arg = /^(init|initParent|creator)\.(opt|arg)\.(.+)$/.exec(v);
    const p = arg ? procOf(arg[1] as string) : null;
    if (arg && p) {
      const where =
        arg[2] === 'opt'
          ? `option ${(arg[3] as string).length === 1 ? `-${arg[3] as string}` : `'${arg[3] as string}'`}`
          : `word ${arg[3] as string}`;
      sources.push(`label: ${value} is the ${where} of ${programName(p)} (${p.node.id})`);
    } else if (v.startsWith('cgroup.') && v !== 'cgroup.path' && f.container) {
      const from = f.cgroups.find((c) => c.value === f.container?.path)?.from ?? '?';
      sources.push(`label: ${value} from the cgroup ${f.container.path} (${from})`);
    } else if (v === 'hostname') sources.push(`label: ${value} is the hostname of a view rooted here`);
  }
  return { text, sources };
}

/** A label on one line: runs of whitespace (LXC pads its titles with spaces) become one space. */
function tidy(label: string): string {
  const t = label.replace(/\s+/g, ' ').trim();
  return t === '' ? label : t;
}

const OTHER_TYPES = NS_TYPES.filter((t) => t !== 'pid');
/** How many owners a shared namespace's label names before "and N more". */
const OWNER_CAP = 3;

/**
 * Namespaces of the other types. The machine's own ones (those of its kernel threads, else
 * of PID 1 of the initial PID namespace, or a fixed initial inode) take the initial PID
 * namespace's role and label. Any other one belongs to the outermost PID namespaces among
 * its members other than the initial one: a container's net namespace is the container's,
 * and a rootless runtime's user namespace, which holds both the runtime's helpers (in the
 * initial PID namespace) and its containers, is the containers'. A namespace whose members
 * all run in the initial PID namespace is not the machine's own: it stays `unknown`.
 */
function inheritRoles(namespaces: NamespaceNode[], facts: Facts): void {
  const initial = facts.pidOrder.find((f) => f.initial) ?? null;
  const own = initial ? initialNamespaces(initial) : new Map<string, string>();
  const memberless: NamespaceNode[] = [];
  const byId = new Map(namespaces.map((n) => [n.id, n]));
  // User namespaces first: a namespace of another type that only a runtime's helpers use
  // takes the role of their user namespace.
  const users = namespaces.filter((n) => n.type === 'user');
  const rest = namespaces.filter((n) => n.type !== 'user' && n.type !== 'pid');
  const decide = (n: NamespaceNode): void => {
    const type = n.type;
    const fixed = INITIAL_INODES[type];
    const how = own.get(n.id) ?? (fixed !== undefined && n.inode === fixed ? `inode ${fixed}, the initial ${type} namespace's` : null);
    if (initial && how !== null) {
      n.role = initial.node.role;
      n.label = initial.node.label;
      n.evidence = [`the initial ${type} namespace (${how}): role and label of ${initial.node.id}`];
      return;
    }
    const pidOf = new Map<NsFacts, ProcFacts[]>();
    for (const id of n.processes) {
      const p = facts.procs.get(id);
      const f = p?.node.ns.pid ? facts.namespaces.get(p.node.ns.pid) : undefined;
      if (!p || !f) continue;
      const list = pidOf.get(f);
      if (list) list.push(p);
      else pidOf.set(f, [p]);
    }
    const inner = [...pidOf.keys()].filter((f) => !f.initial);
    if (n.processes.length === 0 && type === 'user') {
      memberless.push(n);
      return;
    }
    if (inner.length === 0) {
      const outside = initial ? (pidOf.get(initial) ?? []) : [];
      // A rootless runtime's helpers (podman's pause process, slirp4netns) run in the
      // initial PID namespace but inside the runtime's user namespace.
      const userIds = [...new Set(outside.map((p) => p.node.ns.user))];
      const user = type !== 'user' && userIds.length === 1 && userIds[0] !== undefined ? byId.get(userIds[0]) : undefined;
      if (initial && user && user.role !== 'unknown' && !own.has(user.id) && user.inode !== INITIAL_INODES.user) {
        const comms = [...new Set(outside.map((p) => p.comm))].slice(0, OWNER_CAP).join(', ');
        n.role = user.role;
        n.label = `${comms} for ${user.label}`;
        n.evidence = [
          `every member runs in ${initial.node.id} but inside ${user.id} (${user.role}): ${procList(outside)}; role of ${user.id}`,
        ];
        return;
      }
      n.role = 'unknown';
      n.label = tidy(n.label);
      n.evidence =
        outside.length > 0 && initial
          ? [`not the initial ${type} namespace, and every member runs in ${initial.node.id}: ${procList(outside)}`]
          : [];
      return;
    }
    const top = Math.min(...inner.map((f) => f.node.depth ?? 0));
    const owners = inner
      .filter((f) => (f.node.depth ?? 0) === top)
      .sort((a, b) => (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0));
    const first = owners[0] as NsFacts;
    n.role = first.node.role;
    const ids = owners.map((f) => f.node.id);
    const named = `${ids.slice(0, OWNER_CAP).join(', ')}${ids.length > OWNER_CAP ? ` and ${ids.length - OWNER_CAP} more` : ''}`;
    const plural = ids.length > 1 ? 's' : '';
    if (owners.every((f) => f.node.role === 'unknown')) {
      // No rule knows the owner: its init's command says no more than the member's own.
      n.label = tidy(n.label);
      n.evidence = [`role of ${named}, the outermost PID namespace${plural} among its members`];
    } else {
      if (owners.length === 1) n.label = first.node.label;
      else {
        const shown = owners.slice(0, OWNER_CAP).map((f) => f.node.label);
        const more = owners.length > OWNER_CAP ? ` and ${owners.length - OWNER_CAP} more` : '';
        n.label = `shared by ${owners.length} PID namespaces: ${shown.join('; ')}${more}`;
      }
      n.evidence = [`role and label of ${named}, the outermost PID namespace${plural} among its members`];
    }
    if (owners.length > 1 && owners.some((f) => f.node.role !== first.node.role)) {
      n.evidence.push(`its owners have different roles (${[...new Set(owners.map((f) => f.node.role))].join(', ')}); the first is used`);
    }
    const helpers = initial ? (pidOf.get(initial) ?? []) : [];
    if (helpers.length > 0 && initial) n.evidence.push(`also holds processes of ${initial.node.id}: ${procList(helpers)}`);
  };
  for (const n of users) decide(n);
  resolveMemberless(namespaces, memberless, byId);
  for (const n of rest) decide(n);
}

/**
 * A user namespace nobody runs in (seen in lsns), made only to hold other user namespaces
 * (Chromium and bwrap do this): the role and label of its first decided child, deepest
 * first so chains resolve.
 */
function resolveMemberless(namespaces: NamespaceNode[], memberless: NamespaceNode[], byId: Map<string, NamespaceNode>): void {
  const childrenOf = new Map<string, NamespaceNode[]>();
  for (const n of namespaces) {
    if (n.type !== 'user' || n.parent === null) continue;
    const list = childrenOf.get(n.parent);
    if (list) list.push(n);
    else childrenOf.set(n.parent, [n]);
  }
  const depthOf = (n: NamespaceNode): number => {
    let d = 0;
    for (let p = n.parent; p !== null && d < 64; p = byId.get(p)?.parent ?? null) d += 1;
    return d;
  };
  memberless.sort((a, b) => depthOf(b) - depthOf(a) || (a.id < b.id ? -1 : 1));
  for (const n of memberless) {
    const kids = (childrenOf.get(n.id) ?? []).filter((k) => k.role !== 'unknown').sort((a, b) => (a.id < b.id ? -1 : 1));
    const kid = kids[0];
    n.role = kid ? kid.role : 'unknown';
    if (kid) n.label = kid.label;
    n.evidence = kid ? [`no visible member: role and label of its child ${kid.id}`] : [];
  }
}

/** Namespace id -> how it is known to be the machine's own, for every type but pid. */
function initialNamespaces(initial: NsFacts): Map<string, string> {
  const out = new Map<string, string>();
  const anchors = [...initial.members.filter((p) => p.kernelThread), ...(initial.init ? [initial.init] : [])];
  for (const type of OTHER_TYPES as NsType[]) {
    const anchor = anchors.find((p) => p.node.ns[type] !== undefined);
    const id = anchor?.node.ns[type];
    if (anchor && id !== undefined) out.set(id, anchor.kernelThread ? `kernel thread ${procRef(anchor)}` : `PID 1 ${procRef(anchor)}`);
  }
  return out;
}
