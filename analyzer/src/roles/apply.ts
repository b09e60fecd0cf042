// applyRoles: gives every namespace a role, a label and evidence from the rules, then
// decides each view's level and the WSL configuration. PID namespaces are decided
// parents first (rules may test the parent's role); labels come after all roles, since
// a system distro is labelled by the user distro it is paired with. Other namespace
// types take the role of the outermost PID namespace among their members.

import type { Analysis, NamespaceNode, Role } from '../model/types.js';
import { NS_TYPES } from '../procfs/ns-link.js';
import type { ViewData } from '../snapshot/view-data.js';
import { gatherFacts, type Facts, type NsFacts } from './facts.js';
import { matchNamespace, procList, testProcess, type Finding, type MatchResult } from './match.js';
import type { Rule, RuleSet } from './rule-types.js';
import { renderTemplates, type Template } from './template.js';
import { decideLevels } from './view-levels.js';
import { decideConfig } from './wsl-config.js';

export interface Decision {
  rule: Rule;
  result: MatchResult;
}

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
    f.node.evidence = d ? evidenceOf(d, f, facts, decided) : [];
    if (d) f.node.label = labelOf(d, f, facts, decided);
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

function labelOf(d: Decision, f: NsFacts, facts: Facts, decided: Map<string, Decision>): string {
  const { rule, result } = d;
  const init = f.init;
  const initParent = f.initParent;
  const parent = f.node.parent ? facts.namespaces.get(f.node.parent) : undefined;
  const lookup = (name: string): string | null => {
    if (name.startsWith('os.')) return f.osRelease?.value[name.slice(3)] ?? null;
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
  return renderTemplates(rule.labels, lookup);
}

const OTHER_TYPES = NS_TYPES.filter((t) => t !== 'pid');

function inheritRoles(namespaces: NamespaceNode[], facts: Facts): void {
  // One pass over the processes: each one offers its PID namespace to every other
  // namespace it is in; the outermost offer wins.
  const owners = new Map<string, NsFacts>();
  for (const p of facts.procs.values()) {
    const f = p.node.ns.pid ? facts.namespaces.get(p.node.ns.pid) : undefined;
    if (!f) continue;
    for (const type of OTHER_TYPES) {
      const id = p.node.ns[type];
      if (id === undefined) continue;
      const owner = owners.get(id);
      if (!owner || (f.node.depth ?? 0) < (owner.node.depth ?? 0)) owners.set(id, f);
    }
  }
  for (const n of namespaces) {
    if (n.type === 'pid') continue;
    const owner = owners.get(n.id);
    n.role = owner ? owner.node.role : 'unknown';
    n.evidence = owner ? [`role of ${owner.node.id}, the outermost PID namespace among its members`] : [];
  }
}
