// WSL 2 layouts from the background post: the VM root, two system distros each paired
// with a user distro (gui on; one distro with systemd, one without), and the gui-off
// layout where user distros sit directly under the VM root.

import { describe, expect, it } from 'vitest';
import { analyse, ini, kthreads, kv, ns, project, ROOT, type WProc, type World } from './world.js';
import { schemaErrors } from './schema.js';

const WSL_KERNEL = '5.15.167.4-microsoft-standard-WSL2';
const SYS20 = 4026532245;
const U20 = 4026532257;
const SYS18 = 4026532771;
const U18 = 4026532784;
const MARINER = kv({ NAME: 'Common Base Linux Mariner', VERSION_ID: '2.0', ID: 'mariner' });
const UBUNTU20 = kv({ NAME: 'Ubuntu', VERSION_ID: '20.04', ID: 'ubuntu', PRETTY_NAME: 'Ubuntu 20.04.6 LTS' });
const UBUNTU18 = kv({ NAME: 'Ubuntu', VERSION_ID: '18.04', ID: 'ubuntu', PRETTY_NAME: 'Ubuntu 18.04.6 LTS' });
const NET = { net: 4026531993 };

function vmRoot(): WProc[] {
  return [
    { nspid: [1], ppid: 0, ns: ROOT, comm: 'init', cmdline: ['/init'], links: NET },
    ...kthreads(),
    { nspid: [40], ppid: 1, ns: ROOT, comm: 'gns', cmdline: ['/gns', '--socket', '5'], links: NET },
  ];
}

function systemDistro(outer: number, inode: number): WProc[] {
  return [
    { nspid: [outer, 1], ppid: 1, ns: inode, comm: 'init', cmdline: ['/init'], osRelease: MARINER, links: NET },
    { nspid: [outer + 1, 8], ppid: outer, ns: inode, comm: 'WSLGd', cmdline: ['/usr/bin/WSLGd'], uid: 1000, links: NET },
    {
      nspid: [outer + 2, 9],
      ppid: outer + 1,
      ns: inode,
      comm: 'weston',
      cmdline: ['/usr/bin/weston', '--backend=rdp-backend.so'],
      uid: 1000,
      links: NET,
    },
    { nspid: [outer + 3, 10], ppid: outer + 2, ns: inode, comm: 'Xwayland', cmdline: ['/usr/bin/Xwayland', ':0'], uid: 1000, links: NET },
    { nspid: [outer + 4, 11], ppid: outer + 1, ns: inode, comm: 'pulseaudio', cmdline: ['/usr/bin/pulseaudio'], uid: 1000, links: NET },
  ];
}

/** Ubuntu 20.04 with systemd (post: 226 /sbin/init, 227 /init, 248 plan9, 939 login, 1132 bash, sleep 4419). */
function ubuntu20(parentOuter: number, parentNspid: number[], inode: number): WProc[] {
  const at = (outer: number, mid: number, inner: number): number[] => [outer, ...(parentNspid.length > 1 ? [mid] : []), inner];
  return [
    {
      nspid: at(226, 12, 1),
      ppid: parentOuter,
      ns: inode,
      comm: 'systemd',
      cmdline: ['/sbin/init'],
      osRelease: UBUNTU20,
      wslConf: ini({ boot: { systemd: 'true' } }),
      links: NET,
    },
    { nspid: at(227, 13, 2), ppid: 226, ns: inode, comm: 'init', cmdline: ['/init'], links: NET },
    { nspid: at(248, 30, 20), ppid: 227, ns: inode, comm: 'plan9', cmdline: ['plan9', '--control-socket', '6'], links: NET },
    { nspid: at(939, 40, 30), ppid: 227, ns: inode, comm: 'login', cmdline: ['/bin/login', '-f'], links: NET },
    { nspid: at(1132, 50, 40), ppid: 939, ns: inode, comm: 'bash', cmdline: ['-bash'], uid: 1000, links: NET },
    { nspid: at(48950, 4578, 4419), ppid: 1132, ns: inode, comm: 'sleep', cmdline: ['sleep', '680001'], uid: 1000, links: NET },
    {
      nspid: at(49000, 4600, 4500),
      ppid: 1132,
      ns: inode,
      comm: 'sh',
      cmdline: ['sh', 'nsnap-collect.sh'],
      osRelease: UBUNTU20,
      links: NET,
    },
  ];
}

/** Ubuntu 18.04 without systemd (post: 56297 /init, sleep 32). */
function ubuntu18(parentOuter: number, parentNspid: number[], inode: number): WProc[] {
  const at = (outer: number, mid: number, inner: number): number[] => [outer, ...(parentNspid.length > 1 ? [mid] : []), inner];
  return [
    { nspid: at(56297, 20, 1), ppid: parentOuter, ns: inode, comm: 'init', cmdline: ['/init'], osRelease: UBUNTU18, links: NET },
    { nspid: at(56300, 21, 4), ppid: 56297, ns: inode, comm: 'plan9', cmdline: ['plan9', '--control-socket', '6'], links: NET },
    { nspid: at(56301, 22, 5), ppid: 56297, ns: inode, comm: 'SessionLeader', cmdline: ['/init'], links: NET },
    { nspid: at(56302, 23, 6), ppid: 56301, ns: inode, comm: 'Relay(7)', cmdline: ['/init'], links: NET },
    { nspid: at(56310, 60, 7), ppid: 56302, ns: inode, comm: 'bash', cmdline: ['-bash'], uid: 1000, links: NET },
    { nspid: at(56564, 87, 32), ppid: 56310, ns: inode, comm: 'sleep', cmdline: ['sleep', '180000'], uid: 1000, links: NET },
  ];
}

function guiOn(): World {
  return {
    nsParent: { [ROOT]: null, [SYS20]: ROOT, [U20]: SYS20, [SYS18]: ROOT, [U18]: SYS18 },
    procs: [
      ...vmRoot(),
      ...systemDistro(221, SYS20),
      ...ubuntu20(221, [221, 1], U20),
      ...systemDistro(56291, SYS18),
      ...ubuntu18(56291, [56291, 1], U18),
    ],
    kernel: WSL_KERNEL,
    hostname: 'DESKTOP-1',
  };
}

function guiOff(): World {
  return {
    nsParent: { [ROOT]: null, [U20]: ROOT, [U18]: ROOT },
    procs: [...vmRoot(), ...ubuntu20(1, [1], U20), ...ubuntu18(1, [1], U18)],
    kernel: WSL_KERNEL,
    hostname: 'DESKTOP-1',
  };
}

describe('WSL with GUI applications on', () => {
  const world = guiOn();
  const vm = project(world, ROOT, { source: 'debug-shell', env: { WSL_INTEROP_set: false } });
  const distro = project(world, U20, { source: 'ubuntu', env: { WSL_DISTRO_NAME: 'Ubuntu-20.04', WSL_INTEROP_set: true }, self: 49000 });
  const a = analyse([vm, distro]);

  it('gives every PID namespace its WSL role', () => {
    expect(ns(a, `pid:${ROOT}`).role).toBe('wsl-vm');
    expect(ns(a, `pid:${SYS20}`).role).toBe('wsl-system-distro');
    expect(ns(a, `pid:${SYS18}`).role).toBe('wsl-system-distro');
    expect(ns(a, `pid:${U20}`).role).toBe('wsl-user-distro');
    expect(ns(a, `pid:${U18}`).role).toBe('wsl-user-distro');
  });

  it('names the user distro each system distro is paired with', () => {
    expect(ns(a, `pid:${SYS20}`).label).toBe('system distro (WSLg) paired with Ubuntu-20.04: contains WSLGd, weston, Xwayland');
    expect(ns(a, `pid:${SYS18}`).label).toBe('system distro (WSLg) paired with Ubuntu-18.04: contains WSLGd, weston, Xwayland');
    expect(ns(a, `pid:${SYS20}`).evidence).toContain(
      `rule wsl-system-distro: paired with pid:${U20} (Ubuntu-20.04, from WSL_DISTRO_NAME in view 1 (ubuntu))`,
    );
  });

  it('lists the matched processes with their ids as evidence', () => {
    const ev = ns(a, `pid:${SYS20}`).evidence;
    expect(ev).toContain(`rule wsl-system-distro: processes WSLGd (222@pid:${ROOT}), weston (223@pid:${ROOT}), Xwayland (224@pid:${ROOT})`);
    expect(ev.some((e) => e.startsWith('rule wsl-system-distro: also pulseaudio'))).toBe(true);
    expect(ev.some((e) => e.startsWith('rule wsl-system-distro: uid 1000 (wslg) WSLGd'))).toBe(true);
  });

  it('tells systemd on from off by the process layout', () => {
    expect(ns(a, `pid:${U20}`).label).toBe('user distro Ubuntu-20.04, systemd on');
    expect(ns(a, `pid:${U18}`).label).toBe('user distro Ubuntu-18.04, systemd off');
    expect(ns(a, `pid:${U20}`).evidence[0]).toMatch(/^rule wsl-user-distro-systemd: init \/sbin\/init/);
    expect(ns(a, `pid:${U18}`).evidence).toContain(`rule wsl-user-distro: parent pid:${SYS18} is wsl-system-distro`);
  });

  it('recognises the VM root by mini_init and gns', () => {
    const root = ns(a, `pid:${ROOT}`);
    expect(root.label).toBe('WSL utility VM (mini_init): gns');
    expect(root.evidence).toContain(`rule wsl-vm: inode ${ROOT} (the initial PID namespace)`);
    expect(root.evidence.some((e) => e.startsWith('rule wsl-vm: kernel threads kthreadd'))).toBe(true);
  });

  it('decides each view level with evidence', () => {
    expect(a.views.map((v) => v.level)).toEqual(['wsl-vm', 'wsl-user-distro']);
    expect(a.views[0]?.levelEvidence).toContain(`root PID namespace pid:${ROOT} is the initial one`);
    expect(a.views[1]?.levelEvidence).toContain('WSL env: WSL_DISTRO_NAME=Ubuntu-20.04, WSL_INTEROP set');
    expect(a.views[1]?.levelEvidence).toContain('os-release: Ubuntu 20.04.6 LTS');
  });

  it('fills the WSL configuration', () => {
    expect(a.config).toMatchObject({ guiApplications: true, systemd: true, wslVersion: '2', kernel: WSL_KERNEL, hostname: 'DESKTOP-1' });
    expect(a.config.sources.guiApplications).toBe(`observed: system distro pid:${SYS20}`);
    expect(a.config.sources.systemd).toBe('distro Ubuntu-20.04 of view 1');
    expect(a.config.distros).toEqual([
      { name: 'Ubuntu-18.04', namespace: `pid:${U18}`, systemd: false, guiApplications: true },
      { name: 'Ubuntu-20.04', namespace: `pid:${U20}`, systemd: true, guiApplications: true },
    ]);
    expect(a.config.sources['distros.Ubuntu-20.04.systemd']).toMatch(/^wsl.conf \[boot\] systemd/);
  });

  it('gives other namespace types the role of their outermost PID namespace', () => {
    expect(ns(a, 'net:4026531993').role).toBe('wsl-vm');
  });

  it('takes .wslconfig over the layout, and validates against the analysis schema', () => {
    const withConfig = project(world, ROOT, { source: 'debug-shell', env: {}, wslconfig: ini({ wsl2: { guiapplications: 'true' } }) });
    const b = analyse([withConfig]);
    expect(b.config.guiApplications).toBe(true);
    expect(b.config.sources.guiApplications).toBe('.wslconfig [wsl2] guiApplications (view 0)');
    expect(schemaErrors(a)).toEqual([]);
    expect(schemaErrors(b)).toEqual([]);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(analyse([vm, distro]))).toBe(JSON.stringify(a));
  });

  it('sees a view taken in the system distro at that level', () => {
    const sys = project(world, SYS20, { source: 'wsl-system', env: { WSL_DISTRO_NAME: 'Ubuntu-20.04' } });
    const b = analyse([sys]);
    expect(b.views[0]?.level).toBe('wsl-system-distro');
    expect(b.views[0]?.levelEvidence).toContain('WSLg processes: WSLGd, weston, Xwayland, pulseaudio');
    expect(ns(b, `pid:${U20}`).role).toBe('wsl-user-distro');
  });

  it('recognises a user distro from a single view inside it', () => {
    const b = analyse([distro]);
    expect(ns(b, `pid:${U20}`).role).toBe('wsl-user-distro');
    expect(b.views[0]?.level).toBe('wsl-user-distro');
    expect(b.config.distros).toEqual([{ name: 'Ubuntu-20.04', namespace: `pid:${U20}`, systemd: true, guiApplications: true }]);
  });
});

describe('WSL with GUI applications off', () => {
  const world = guiOff();
  it('puts user distros directly under the VM root, and says gui is off', () => {
    const vm = project(world, ROOT, { source: 'debug-shell', env: {}, wslconfig: ini({ wsl2: { guiapplications: 'false' } }) });
    const a = analyse([vm]);
    expect(ns(a, `pid:${ROOT}`).role).toBe('wsl-vm');
    expect(ns(a, `pid:${U20}`).role).toBe('wsl-user-distro');
    expect(ns(a, `pid:${U18}`).role).toBe('wsl-user-distro');
    expect(ns(a, `pid:${U18}`).evidence).toContain(`rule wsl-user-distro: parent pid:${ROOT} is wsl-vm`);
    expect(a.namespaces.some((n) => n.role === 'wsl-system-distro')).toBe(false);
    expect(a.config.guiApplications).toBe(false);
    expect(a.config.sources.guiApplications).toBe('.wslconfig [wsl2] guiApplications (view 0)');
    expect(a.config.distros.map((d) => [d.name, d.guiApplications, d.systemd])).toEqual([
      ['Ubuntu-18.04', false, false],
      ['Ubuntu-20.04', false, true],
    ]);
    expect(schemaErrors(a)).toEqual([]);
  });

  it('infers gui off from the layout when no .wslconfig was captured', () => {
    const a = analyse([project(world, ROOT, { source: 'debug-shell', env: {} })]);
    expect(a.config.guiApplications).toBe(false);
    expect(a.config.sources.guiApplications).toMatch(/^observed: user distro pid:\d+ is a direct child of the VM root/);
  });

  it('reads WSL 1 from the kernel release', () => {
    const a = analyse([project({ ...world, kernel: '4.4.0-19041-Microsoft' }, U20, { env: { WSL_DISTRO_NAME: 'Ubuntu-20.04' } })]);
    expect(a.config.wslVersion).toBe('1');
  });
});
