// The level each view was captured at. The role of the view's own PID namespace decides
// when a rule gave it one; otherwise the view's own signals do (the initial PID
// namespace inode, WSLg processes, the WSL environment, the kernel). Every signal seen
// is listed in levelEvidence, whether it decided or not.

import type { Analysis, Role, ViewLevel } from '../model/types.js';
import { isWslKernel } from '../procfs/kernel-release.js';
import { INITIAL_INODES } from '../procfs/ns-link.js';
import type { ViewData } from '../snapshot/view-data.js';
import type { Decision } from './rule-types.js';
import type { Facts } from './facts.js';

const LEVEL_OF_ROLE: Record<Role, ViewLevel | null> = {
  host: 'host',
  'wsl-vm': 'wsl-vm',
  'wsl-system-distro': 'wsl-system-distro',
  'wsl-user-distro': 'wsl-user-distro',
  container: 'container',
  sandbox: 'container',
  unknown: null,
};

const WSLG = new Set(['WSLGd', 'weston', 'Xwayland', 'pulseaudio']);
const WSL_ENV = ['WSL_DISTRO_NAME', 'WSL2_GUI_APPS_ENABLED', 'WSLENV'];

export function decideLevels(analysis: Analysis, views: ViewData[], facts: Facts, decided: Map<string, Decision>): void {
  for (const summary of analysis.views) {
    const view = views[summary.index];
    const f = summary.pidNamespace ? facts.namespaces.get(summary.pidNamespace) : undefined;
    const evidence: string[] = [];
    const initial = f !== undefined && f.node.inode === INITIAL_INODES.pid;
    if (f) {
      evidence.push(
        initial
          ? `root PID namespace ${f.node.id} is the initial one`
          : `root PID namespace ${f.node.id} is not the initial one (pid:${INITIAL_INODES.pid})`,
      );
    }
    const wslg = f ? f.members.filter((p) => WSLG.has(p.comm)) : [];
    if (wslg.length > 0) evidence.push(`WSLg processes: ${[...new Set(wslg.map((p) => p.comm))].join(', ')}`);
    const env = view?.manifest?.env ?? {};
    const wslEnv = WSL_ENV.filter((k) => typeof env[k] === 'string').map((k) => `${k}=${String(env[k]).slice(0, 64)}`);
    if (env.WSL_INTEROP_set === true) wslEnv.push('WSL_INTEROP set');
    if (wslEnv.length > 0) evidence.push(`WSL env: ${wslEnv.join(', ')}`);
    const self = view?.selfPid != null ? view.procs.get(view.selfPid) : undefined;
    const os = self?.osRelease;
    const osName = os ? (os.PRETTY_NAME ?? os.NAME ?? null) : null;
    if (osName) evidence.push(`os-release: ${osName.slice(0, 64)}`);
    const wslKernel = isWslKernel(summary.kernel);
    if (wslKernel) evidence.push(`kernel ${summary.kernel}`);

    const d = f ? decided.get(f.node.id) : undefined;
    let level: ViewLevel | null = d ? LEVEL_OF_ROLE[d.rule.role] : null;
    if (level !== null && d && f) {
      evidence.unshift(`${f.node.id} is ${d.rule.role} (rule ${d.rule.name})`);
    } else if (f) {
      // No rule gave a level: fall back on the signals, and say it is a guess.
      const initIsWsl = f.init?.cmdline === '/init';
      if (initial) level = wslKernel && initIsWsl ? 'wsl-vm' : 'host';
      else if (wslg.length > 0) level = 'wsl-system-distro';
      else if (wslEnv.length > 0) level = 'wsl-user-distro';
      else if (!wslKernel) level = 'container';
      if (level !== null) evidence.unshift(`guessed: no rule matched ${f.node.id}`);
    }
    summary.level = level;
    summary.levelEvidence = evidence;
  }
}
