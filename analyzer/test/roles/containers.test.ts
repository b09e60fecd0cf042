// Containers and sandboxes on a plain host: recognised by the init's parent (shim,
// monitor, bwrap) or the cgroup the runtime put the init in; an unshare namespace stays
// unknown, even inside a container's cgroup.

import { describe, expect, it } from 'vitest';
import { analyse, kthreads, ns, project, ROOT, type WProc, type World } from './world.js';
import { schemaErrors } from './schema.js';

const ID = '3f2a9c1e5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718';
const C = 4026532300;

function host(extra: WProc[], inner: number[] = [C]): World {
  const nsParent: Record<number, number | null> = { [ROOT]: null };
  for (const i of inner) nsParent[i] = ROOT;
  return {
    nsParent,
    procs: [
      { nspid: [1], ppid: 0, ns: ROOT, comm: 'systemd', cmdline: ['/sbin/init', 'splash'], cgroup: ['0::/init.scope'] },
      ...kthreads(),
      ...extra,
    ],
  };
}

function single(extra: WProc[]): ReturnType<typeof analyse> {
  return analyse([project(host(extra), ROOT)]);
}

describe('containers', () => {
  it('docker: shim parent and docker-<id>.scope cgroup give the short id', () => {
    const a = single([
      {
        nspid: [900],
        ppid: 1,
        ns: ROOT,
        comm: 'containerd-shim',
        cmdline: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby'],
        cgroup: ['0::/system.slice/containerd.service'],
      },
      {
        nspid: [910, 1],
        ppid: 900,
        ns: C,
        comm: 'nginx',
        cmdline: ['nginx', '-g', 'daemon off;'],
        cgroup: [`0::/system.slice/docker-${ID}.scope`],
      },
    ]);
    const c = ns(a, `pid:${C}`);
    expect(c.role).toBe('container');
    expect(c.label).toBe('docker container 3f2a9c1e5b7d');
    expect(c.evidence).toContain(`rule docker-container: cgroup /system.slice/docker-${ID}.scope (910@pid:${ROOT})`);
    expect(ns(a, `pid:${ROOT}`).role).toBe('host');
    expect(schemaErrors(a)).toEqual([]);
  });

  it('docker with the cgroupfs driver (/docker/<id>, cgroup v1)', () => {
    const a = single([
      { nspid: [910, 1], ppid: 1, ns: C, comm: 'sh', cmdline: ['sh'], cgroup: [`12:pids:/docker/${ID}`, `0::/docker/${ID}`] },
    ]);
    expect(ns(a, `pid:${C}`).label).toBe('docker container 3f2a9c1e5b7d');
  });

  it('plain containerd (nerdctl) by its shim', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'containerd-shim', cmdline: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'default'] },
      { nspid: [910, 1], ppid: 900, ns: C, comm: 'sleep', cmdline: ['sleep', 'inf'], cgroup: ['0::/default/abc'] },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'containerd container (containerd-shim-runc-v2)' });
  });

  it('kubernetes by kubepods cgroup', () => {
    const path = `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-${ID}.scope`;
    const a = single([{ nspid: [910, 1], ppid: 1, ns: C, comm: 'pause', cmdline: ['/pause'], cgroup: [path] }]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'kubernetes container 3f2a9c1e5b7d (kubernetes)' });
  });

  it('podman: conmon parent and libpod cgroup', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'conmon', cmdline: ['/usr/bin/conmon', '--api-version', '1'] },
      { nspid: [910, 1], ppid: 900, ns: C, comm: 'bash', cmdline: ['bash'], cgroup: [`0::/machine.slice/libpod-${ID}.scope/container`] },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'podman container 3f2a9c1e5b7d' });
    expect(ns(a, `pid:${C}`).evidence[0]).toBe(`rule podman-container: created by conmon (900@pid:${ROOT})`);
  });

  it('systemd-nspawn: machine-NAME.scope gives the unescaped name', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'systemd-nspawn', cmdline: ['systemd-nspawn', '-bD', '/var/lib/machines/deb-test'] },
      {
        nspid: [910, 1],
        ppid: 900,
        ns: C,
        comm: 'systemd',
        cmdline: ['/lib/systemd/systemd'],
        cgroup: ['0::/machine.slice/machine-deb\\x2dtest.scope/init.scope'],
      },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'systemd-nspawn container deb-test' });
  });

  it('LXC: lxc.payload.NAME', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'lxc-start', cmdline: ['[lxc monitor] /var/lib/lxc web1'] },
      { nspid: [910, 1], ppid: 900, ns: C, comm: 'init', cmdline: ['/sbin/init'], cgroup: ['0::/lxc.payload.web1'] },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'LXC container web1' });
  });

  it('an unshare namespace inside a docker cgroup is not a container', () => {
    const cg = [`0::/docker/${ID}`];
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'unshare', cmdline: ['unshare', '--pid', '--fork', 'sh'], cgroup: cg },
      { nspid: [910, 1], ppid: 900, ns: C, comm: 'sh', cmdline: ['sh'], cgroup: cg },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'unknown', label: 'sh', evidence: [] });
  });
});

describe('sandboxes', () => {
  it('bubblewrap', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'bwrap', cmdline: ['bwrap', '--unshare-pid', '--ro-bind', '/', '/', 'sh'] },
      { nspid: [901, 1], ppid: 900, ns: C, comm: 'bwrap', cmdline: ['bwrap', '--unshare-pid', '--ro-bind', '/', '/', 'sh'] },
      { nspid: [902, 2], ppid: 901, ns: C, comm: 'sh', cmdline: ['sh'] },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'sandbox' });
    expect(ns(a, `pid:${C}`).label).toMatch(/^bubblewrap sandbox \(bwrap --unshare-pid/);
  });

  it('Flatpak names the app from its scope', () => {
    const cg = ['0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-flatpak-org.gnome.Calculator-12345.scope'];
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'bwrap', cmdline: ['bwrap', '--args', '40', 'gnome-calculator'], cgroup: cg },
      { nspid: [901, 1], ppid: 900, ns: C, comm: 'bwrap', cmdline: ['bwrap', '--args', '40', 'gnome-calculator'], cgroup: cg },
      { nspid: [902, 2], ppid: 901, ns: C, comm: 'gnome-calculato', cmdline: ['gnome-calculator'], cgroup: cg },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'sandbox', label: 'Flatpak sandbox org.gnome.Calculator' });
  });

  it('Chrome zygote', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'chrome', cmdline: ['/opt/google/chrome/chrome'] },
      { nspid: [901, 1], ppid: 900, ns: C, comm: 'chrome', cmdline: ['/opt/google/chrome/chrome --type=zygote --no-zygote-sandbox'] },
      { nspid: [902, 5], ppid: 901, ns: C, comm: 'chrome', cmdline: ['/opt/google/chrome/chrome --type=renderer'] },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'sandbox', label: 'Chromium zygote sandbox (chrome)' });
  });

  it('Firefox content process', () => {
    const a = single([
      { nspid: [900], ppid: 1, ns: ROOT, comm: 'firefox', cmdline: ['/usr/lib/firefox/firefox'] },
      {
        nspid: [901, 1],
        ppid: 900,
        ns: C,
        comm: 'Isolated Web Co',
        cmdline: ['/usr/lib/firefox/firefox', '-contentproc', '-childID', '1'],
      },
    ]);
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'sandbox', label: 'Firefox content sandbox (firefox)' });
  });
});
