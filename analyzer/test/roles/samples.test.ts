// Roles on the generated WSL sample snapshots (samples/wsl/*/…tar.gz), when they exist.
// The samples are made by the generator from samples/scenarios/*.yaml.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { NS_TYPES } from '../../src/procfs/ns-link.js';
import { loadView } from '../../src/source/load.js';
import { analyse, ns } from './world.js';
import { schemaErrors } from './schema.js';

function tarballs(dir: string): string[] {
  const full = join(PROJECT_ROOT, 'samples', 'wsl', dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((n) => n.endsWith('.tar.gz'))
    .sort()
    .map((n) => join(full, n));
}

const guiOn = tarballs('gui-on');
const guiOff = tarballs('gui-off');

describe.skipIf(guiOn.length === 0)('samples/wsl/gui-on', () => {
  it('VM root, two system distros paired with their user distros', async () => {
    const views = await Promise.all(guiOn.map((f) => loadView(f)));
    const a = analyse(views);
    expect(ns(a, 'pid:4026531836').role).toBe('wsl-vm');
    expect(ns(a, 'pid:4026532245')).toMatchObject({ role: 'wsl-system-distro' });
    expect(ns(a, 'pid:4026532245').label).toMatch(/paired with Ubuntu-20\.04/);
    expect(ns(a, 'pid:4026532771')).toMatchObject({ role: 'wsl-system-distro' });
    expect(ns(a, 'pid:4026532771').label).toMatch(/paired with Ubuntu-18\.04/);
    expect(ns(a, 'pid:4026532257').role).toBe('wsl-user-distro');
    expect(ns(a, 'pid:4026532784').role).toBe('wsl-user-distro');
    expect(a.config.guiApplications).toBe(true);
    expect(a.views.every((v) => v.level !== null)).toBe(true);
    expect(schemaErrors(a)).toEqual([]);
  });
});

describe.skipIf(guiOff.length === 0)('samples/wsl/gui-off', () => {
  it('user distros directly under the VM root, no system distro', async () => {
    const views = await Promise.all(guiOff.map((f) => loadView(f)));
    const a = analyse(views);
    expect(ns(a, 'pid:4026531836').role).toBe('wsl-vm');
    expect(a.namespaces.some((n) => n.role === 'wsl-system-distro')).toBe(false);
    const users = a.namespaces.filter((n) => n.type === 'pid' && n.role === 'wsl-user-distro');
    expect(users.map((u) => u.label).sort()).toEqual(['user distro Ubuntu-18.04, systemd off', 'user distro Ubuntu-20.04, systemd on']);
    for (const u of users) expect(u.parent).toBe('pid:4026531836');
    expect(a.config.guiApplications).toBe(false);
    expect(schemaErrors(a)).toEqual([]);
  });
});

const sandboxes = join(PROJECT_ROOT, 'samples', 'real', 'sandboxes.tar.gz');

describe('samples/real/sandboxes.tar.gz (a real capture: Chromium, firejail, bwrap and a host --type=renderer)', () => {
  it('the host stays host; every sandbox namespace of every type has its role and a label naming it', async () => {
    const a = analyse([await loadView(sandboxes)]);
    const root = ns(a, 'pid:4026531836');
    expect(root).toMatchObject({ role: 'host', label: 'host, PID 1 process_api' });
    expect(a.views[0]?.level).toBe('host');
    // The reproduction of the issue is in the host's namespace.
    expect(a.processes.some((p) => p.ns.pid === root.id && p.cmdline === 'sh -c sleep 37 x --type=renderer')).toBe(true);
    const pid = a.namespaces.filter((n) => n.type === 'pid' && n.depth === 1).map((n) => [n.id, n.role, n.label]);
    expect(pid).toEqual([
      ['pid:4026532180', 'sandbox', 'firejail sandbox fjtest'],
      ['pid:4026532186', 'unknown', 'chromium'],
      ['pid:4026532260', 'sandbox', 'bubblewrap sandbox (bwrap --unshare-pid --unshare-net --ro-bind / / sleep 36)'],
      ['pid:4026532333', 'sandbox', 'Chromium zygote sandbox (chromium)'],
    ]);
    const below = a.namespaces.filter((n) => n.type === 'pid' && n.parent === 'pid:4026532333').map((n) => n.label);
    expect(below).toEqual([
      'Chromium utility sandbox storage.mojom.StorageService (chromium)',
      'Chromium renderer sandbox (chromium)',
      'Chromium renderer sandbox (chromium)',
      'Chromium renderer sandbox (chromium)',
    ]);
    expect(ns(a, 'net:4026532261')).toMatchObject({
      role: 'sandbox',
      label: 'bubblewrap sandbox (bwrap --unshare-pid --unshare-net --ro-bind / / sleep 36)',
    });
    expect(ns(a, 'net:4026532334')).toMatchObject({ role: 'sandbox', label: 'Chromium zygote sandbox (chromium)' });
    expect(ns(a, 'user:4026532181')).toMatchObject({ role: 'sandbox', label: 'Chromium zygote sandbox (chromium)' });
    expect(ns(a, 'mnt:4026532177')).toMatchObject({ role: 'sandbox', label: 'firejail sandbox fjtest' });
    // Namespaces of the host itself (kthreadd's: PID 1's links were denied) are the host's, whatever type.
    const own = a.namespaces.filter((x) => x.type !== 'pid' && x.processes.includes(`2@${root.id}`));
    expect(own.map((n) => n.type).sort()).toEqual(NS_TYPES.filter((t) => t !== 'pid'));
    for (const n of own) expect([n.role, n.label]).toEqual(['host', 'host, PID 1 process_api']);
    expect(schemaErrors(a)).toEqual([]);
  });
});

const real = (name: string): string => join(PROJECT_ROOT, 'samples', 'real', name);

// The ground truth of samples/real/runtimes-host.tar.gz: each runtime's instance, its true
// name, and its namespaces of every type (from the runtimes engineer's oracle: lsns and
// /proc/PID/ns of every key process, taken seconds before the capture).
const INSTANCES: { name: string; role: string; label: string; ns: string[] }[] = [
  {
    name: 'docker nsnap-web',
    role: 'container',
    label: 'docker container 3281cf4c76a3',
    ns: ['pid:4026532185', 'mnt:4026532182', 'net:4026532186', 'ipc:4026532184', 'uts:4026532183'],
  },
  {
    name: 'docker nsnap-db',
    role: 'container',
    label: 'docker container 81dedbbadd35',
    ns: ['pid:4026532258', 'mnt:4026532255', 'net:4026532405', 'ipc:4026532257', 'uts:4026532256'],
  },
  {
    name: 'docker nsnap-nest',
    role: 'container',
    label: 'docker container 9809782142e6',
    ns: ['pid:4026532714', 'mnt:4026532711', 'net:4026532715', 'ipc:4026532713', 'uts:4026532712'],
  },
  {
    name: 'podman nsnap-pod (root)',
    role: 'container',
    label: 'podman container nsnap-pod (43ab5a677c86)',
    ns: ['pid:4026532330', 'mnt:4026532327', 'net:4026532177', 'ipc:4026532329', 'uts:4026532328'],
  },
  {
    name: 'podman nsnap-rl (rootless)',
    role: 'container',
    label: 'podman container nsnap-rl (2baa4c6cad14)',
    ns: ['pid:4026532475', 'user:4026532181', 'mnt:4026532402', 'net:4026532332', 'ipc:4026532474', 'uts:4026532404'],
  },
  {
    name: 'nspawn nsnapbox',
    role: 'container',
    label: 'systemd-nspawn container nsnapbox',
    ns: ['pid:4026532480', 'mnt:4026532477', 'ipc:4026532479', 'uts:4026532478', 'cgroup:4026532476'],
  },
  {
    name: 'LXC nsnap-lxc',
    role: 'container',
    label: 'LXC container nsnap-lxc',
    ns: ['pid:4026532484', 'mnt:4026532481', 'net:4026532485', 'ipc:4026532483', 'uts:4026532482', 'cgroup:4026532554'],
  },
  {
    name: 'firejail nsnap-fj',
    role: 'sandbox',
    label: 'firejail sandbox nsnap-fj',
    ns: ['pid:4026532634', 'mnt:4026532631', 'ipc:4026532633', 'uts:4026532632'],
  },
  {
    name: 'Chromium zygote',
    role: 'sandbox',
    label: 'Chromium zygote sandbox (chromium)',
    ns: ['pid:4026532638', 'user:4026532635', 'user:4026532637', 'net:4026532639'],
  },
  {
    name: 'Chromium renderers',
    role: 'sandbox',
    label: 'Chromium renderer sandbox (chromium)',
    ns: ['pid:4026532708', 'pid:4026532709', 'pid:4026532710'],
  },
  {
    name: 'Chromium storage service',
    role: 'sandbox',
    label: 'Chromium utility sandbox storage.mojom.StorageService (chromium)',
    ns: ['pid:4026532636'],
  },
];

describe('samples/real/runtimes-host.tar.gz (docker, podman root and rootless, nspawn, LXC, bwrap, firejail, Chromium, all at once)', () => {
  it('every namespace of every instance has its true role and a label naming the instance', async () => {
    const a = analyse([await loadView(real('runtimes-host.tar.gz'))]);
    for (const inst of INSTANCES) {
      for (const id of inst.ns) expect([inst.name, id, ns(a, id).role, ns(a, id).label]).toEqual([inst.name, id, inst.role, inst.label]);
    }
    // bwrap: its label is its command line; its user namespace below an empty one of its own.
    for (const id of [
      'pid:4026532559',
      'user:4026532630',
      'user:4026532555',
      'mnt:4026532556',
      'net:4026532561',
      'ipc:4026532558',
      'uts:4026532557',
      'cgroup:4026532560',
    ]) {
      expect([id, ns(a, id).role, ns(a, id).label]).toEqual([
        id,
        'sandbox',
        'bubblewrap sandbox (bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev …)',
      ]);
    }
    // rootless podman's own helpers: their namespaces belong to the runtime, not the host.
    expect(ns(a, 'mnt:4026532331')).toMatchObject({
      role: 'container',
      label: 'podman pause, conmon for podman container nsnap-rl (2baa4c6cad14)',
    });
    expect(ns(a, 'mnt:4026532403')).toMatchObject({ role: 'container', label: 'slirp4netns for podman container nsnap-rl (2baa4c6cad14)' });
    // The plain unshare inside nsnap-nest is no container of its own, but its mnt namespace is inside it.
    expect(ns(a, 'pid:4026532785')).toMatchObject({ role: 'unknown', parent: 'pid:4026532714' });
    expect(ns(a, 'mnt:4026532784').label).toBe('docker container 9809782142e6');
    // The host, every type.
    const host = [
      'pid:4026531836',
      'user:4026531837',
      'mnt:4026531832',
      'net:4026531833',
      'ipc:4026531839',
      'uts:4026531838',
      'cgroup:4026531835',
      'time:4026531834',
    ];
    for (const id of host) expect([id, ns(a, id).role, ns(a, id).label]).toEqual([id, 'host', 'host, PID 1 process_api']);
    expect(a.views[0]?.level).toBe('host');
    // No two namespaces of one type share a label unless they belong to one instance.
    const net = a.namespaces.filter((n) => n.type === 'net').map((n) => n.label);
    expect(new Set(net).size).toBe(net.length);
    expect(schemaErrors(a)).toEqual([]);
  });

  it('the capture taken while a host process had --type=renderer in its argv still calls the host host', async () => {
    const a = analyse([await loadView(real('renderer-argv-host.tar.gz'))]);
    const root = ns(a, 'pid:4026531836');
    expect(root).toMatchObject({ role: 'host', label: 'host, PID 1 process_api' });
    expect(a.processes.some((p) => p.ns.pid === root.id && p.cmdline === 'sh -c sleep 20 x --type=renderer')).toBe(true);
    expect(a.views[0]?.level).toBe('host');
  });

  it('merged with views from inside rootless podman and docker nsnap-db: the same roles, and those views are container level', async () => {
    const views = await Promise.all(
      ['runtimes-host.tar.gz', 'runtimes-inside-podman-rootless.tar.gz', 'runtimes-inside-docker-db.tar.gz'].map((f) => loadView(real(f))),
    );
    const a = analyse(views);
    expect(ns(a, 'pid:4026532475')).toMatchObject({ role: 'container', label: 'podman container nsnap-rl (2baa4c6cad14)' });
    expect(ns(a, 'pid:4026532258')).toMatchObject({ role: 'container', label: 'docker container 81dedbbadd35' });
    expect(ns(a, 'user:4026532181').role).toBe('container');
    expect(a.views.map((v) => v.level)).toEqual(['host', 'container', 'container']);
    expect(schemaErrors(a)).toEqual([]);
  });
});
