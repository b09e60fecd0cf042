// analysis.config: the WSL configuration as far as the views show it. Values come from
// the captured files first (.wslconfig, each distro's wsl.conf), then from what the
// layout shows (a system distro exists, PID 1 is systemd), then from WSL's defaults;
// `sources` says which, per key, so `nsnap diff` can explain a change.

import type { Analysis, DistroConfig } from '../model/types.js';
import type { IniSections } from '../procfs/os-release.js';
import type { ViewData } from '../snapshot/view-data.js';
import type { Facts, NsFacts } from './facts.js';
import { isWslKernel, wslVersionOf } from '../procfs/kernel-release.js';

export function parseBool(v: string | undefined): boolean | null {
  if (v === undefined) return null;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return null;
}

function iniValue(ini: IniSections | null | undefined, section: string, key: string): string | undefined {
  const s = ini?.[section];
  return s && Object.prototype.hasOwnProperty.call(s, key) ? s[key] : undefined;
}

export function decideConfig(analysis: Analysis, views: ViewData[], facts: Facts): void {
  const config = analysis.config;
  const sources: Record<string, string> = Object.create(null) as Record<string, string>;
  const pidNs = facts.pidOrder;
  const withRole = (role: string): NsFacts[] => pidNs.filter((f) => f.node.role === role);
  const systemDistros = withRole('wsl-system-distro');
  const userDistros = withRole('wsl-user-distro');
  const isWsl =
    pidNs.some((f) => f.node.role.startsWith('wsl-')) ||
    analysis.views.some((v) => v.level !== null && v.level.startsWith('wsl-')) ||
    views.some((v) => isWslKernel(v.kernelRelease));

  if (config.kernel !== null) sources.kernel = 'kernel release of the views';
  if (config.hostname !== null) sources.hostname = 'hostname of the views';
  config.wslVersion = wslVersionOf(config.kernel);
  if (config.wslVersion !== null) sources.wslVersion = `kernel release ${config.kernel}`;
  else if (pidNs.some((f) => f.node.role === 'wsl-vm' || f.node.role === 'wsl-system-distro')) {
    config.wslVersion = '2';
    sources.wslVersion = 'observed: a WSL 2 utility VM or system distro namespace';
  }

  // Global guiApplications: .wslconfig, else the layout, else WSL's default (on).
  config.guiApplications = null;
  const withWslconfig = views.findIndex((v) => parseBool(iniValue(v.wslconfig, 'wsl2', 'guiapplications')) !== null);
  if (withWslconfig !== -1) {
    config.guiApplications = parseBool(iniValue(views[withWslconfig]?.wslconfig, 'wsl2', 'guiapplications'));
    sources.guiApplications = `.wslconfig [wsl2] guiApplications (view ${withWslconfig})`;
  } else if (isWsl) {
    const direct = userDistros.find((f) => parentRole(f, facts) === 'wsl-vm' && distroGui(f) !== false);
    if (systemDistros[0]) {
      config.guiApplications = true;
      sources.guiApplications = `observed: system distro ${systemDistros[0].node.id}`;
    } else if (direct) {
      config.guiApplications = false;
      sources.guiApplications = `observed: user distro ${direct.node.id} is a direct child of the VM root, with no system distro`;
    } else {
      config.guiApplications = true;
      sources.guiApplications = 'WSL default (no .wslconfig setting captured)';
    }
  }

  const distros: DistroConfig[] = [];
  for (const f of userDistros) {
    const name = f.distro?.value ?? `(unnamed ${f.node.id})`;
    // Where the name came from (WSL_DISTRO_NAME, the collector's record, init's comm, os-release).
    if (f.distro) sources[`distros.${name}.name`] = f.distro.from;
    const confSystemd = parseBool(iniValue(f.wslConf?.value, 'boot', 'systemd'));
    let systemd: boolean | null = null;
    if (confSystemd !== null && f.wslConf) {
      systemd = confSystemd;
      sources[`distros.${name}.systemd`] = `wsl.conf [boot] systemd (${f.wslConf.from})`;
    } else if (f.systemd) {
      systemd = f.systemd.value;
      sources[`distros.${name}.systemd`] = `observed: ${f.systemd.from}`;
    }
    let gui: boolean | null = null;
    const own = distroGui(f);
    const parent = parentRole(f, facts);
    if (config.guiApplications === false && withWslconfig !== -1) {
      gui = false;
      sources[`distros.${name}.guiApplications`] = '.wslconfig [wsl2] guiApplications';
    } else if (own !== null && f.wslConf) {
      gui = own;
      sources[`distros.${name}.guiApplications`] = `wsl.conf [general] guiApplications (${f.wslConf.from})`;
    } else if (parent === 'wsl-system-distro' || parent === 'wsl-vm') {
      gui = parent === 'wsl-system-distro';
      sources[`distros.${name}.guiApplications`] = `observed: parent ${f.node.parent} is ${parent}`;
    } else if (config.guiApplications !== null) {
      gui = config.guiApplications;
      sources[`distros.${name}.guiApplications`] = 'global guiApplications';
    }
    distros.push({ name, namespace: f.node.id, systemd, guiApplications: gui });
  }
  // A view that names its distro but whose namespace no rule called a user distro.
  views.forEach((v, i) => {
    const name = v.manifest?.env?.WSL_DISTRO_NAME;
    if (typeof name === 'string' && name !== '' && !distros.some((d) => d.name === name)) {
      distros.push({ name, namespace: null, systemd: null, guiApplications: null });
      sources[`distros.${name}`] = `WSL_DISTRO_NAME in view ${i}`;
    }
  });
  distros.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.namespace ?? '') < (b.namespace ?? '') ? -1 : 1));
  config.distros = distros;

  // Global systemd: the distro a view was taken in, else the value all distros share.
  config.systemd = null;
  const rooted = userDistros.find((f) => f.rootedViews.length > 0);
  const rootedEntry = rooted ? distros.find((d) => d.namespace === rooted.node.id) : undefined;
  if (rooted && rootedEntry && rootedEntry.systemd !== null) {
    config.systemd = rootedEntry.systemd;
    sources.systemd = `distro ${rootedEntry.name} of view ${rooted.rootedViews[0]}`;
  } else {
    const known = distros.filter((d) => d.systemd !== null);
    if (known.length > 0 && known.every((d) => d.systemd === known[0]?.systemd)) {
      config.systemd = known[0]?.systemd ?? null;
      sources.systemd = `all ${known.length} distro(s) with a known value agree`;
    }
  }
  config.sources = Object.fromEntries(
    Object.keys(sources)
      .sort()
      .map((k) => [k, sources[k] as string]),
  );
}

function distroGui(f: NsFacts): boolean | null {
  return parseBool(iniValue(f.wslConf?.value, 'general', 'guiapplications'));
}

function parentRole(f: NsFacts, facts: Facts): string | null {
  return f.node.parent ? (facts.namespaces.get(f.node.parent)?.node.role ?? null) : null;
}
