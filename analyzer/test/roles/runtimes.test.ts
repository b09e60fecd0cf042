// Roles and names for the real runtimes, on small worlds shaped like what each runtime
// leaves in /proc (argv, parents, cgroups, namespaces of every type): the host can never
// be a container or sandbox, names come from argv or cgroups with evidence, and the
// namespaces of the other types carry the role and label of the container that owns them.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/roles/index.js';
import { analyse, kthreads, ns, project, ROOT, type WProc, type World } from './world.js';
import { schemaErrors } from './schema.js';

const ID = '3f2a9c1e5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718';
const ID2 = '9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c';
const C = 4026532300;
const C2 = 4026532310;
const C3 = 4026532320;
const HOST_LINKS = { net: 4026531840, mnt: 4026531841, user: 4026531837, uts: 4026531838, ipc: 4026531839 };

/** A host whose PID 1 is process_api (as on the machine this was written on), with kernel threads. */
function host(extra: WProc[], nsParent: Record<number, number | null> = { [C]: ROOT }): World {
  const links = { ...HOST_LINKS };
  return {
    nsParent: { [ROOT]: null, ...nsParent },
    procs: [
      { nspid: [1], ppid: 0, ns: ROOT, comm: 'process_api', cmdline: ['/process_api', '--firecracker-init'], links },
      ...kthreads().map((k) => ({ ...k, links })),
      ...extra,
    ],
  };
}

function single(w: World): ReturnType<typeof analyse> {
  return analyse([project(w, ROOT)]);
}

describe('the host is never a container or a sandbox', () => {
  const mimics: WProc[] = [
    { nspid: [700], ppid: 1, ns: ROOT, comm: 'sh', cmdline: ['sh', '-c', 'sleep 20', 'x', '--type=renderer'], links: HOST_LINKS },
    { nspid: [701], ppid: 700, ns: ROOT, comm: 'sleep', cmdline: ['sleep', '20'], links: HOST_LINKS },
    { nspid: [702], ppid: 1, ns: ROOT, comm: 'chrome', cmdline: ['/opt/chrome/chrome --type=zygote --no-sandbox'], links: HOST_LINKS },
    { nspid: [703], ppid: 1, ns: ROOT, comm: 'firefox', cmdline: ['/usr/lib/firefox/firefox', '-contentproc', '7', 'tab'] },
    { nspid: [704], ppid: 1, ns: ROOT, comm: 'bwrap', cmdline: ['bwrap', '--ro-bind', '/', '/', 'sh'] },
    { nspid: [705], ppid: 1, ns: ROOT, comm: 'conmon', cmdline: ['/usr/bin/conmon', '-c', ID, '-n', 'web'] },
    { nspid: [706], ppid: 1, ns: ROOT, comm: 'sleep', cmdline: ['sleep', '1'], cgroup: [`0::/docker/${ID}`] },
  ];

  it('host processes that look like Chromium, Firefox, bwrap or a runtime leave the host a host', () => {
    const a = single(host(mimics, {}));
    const root = ns(a, `pid:${ROOT}`);
    expect(root).toMatchObject({ role: 'host', label: 'host, PID 1 process_api' });
    expect(a.views[0]?.level).toBe('host');
    for (const type of ['net', 'mnt', 'user', 'uts', 'ipc']) {
      expect(a.namespaces.filter((n) => n.type === type).map((n) => [n.role, n.label])).toEqual([['host', 'host, PID 1 process_api']]);
    }
    expect(schemaErrors(a)).toEqual([]);
  });

  it('also when the ns links were unreadable (kernel threads say it is the initial namespace)', () => {
    const v = project(host(mimics, {}), ROOT);
    for (const rec of v.procs.values()) rec.ns = {};
    const a = analyse([v]);
    const root = a.namespaces.find((n) => n.type === 'pid' && n.depth === 0);
    expect(root?.role).toBe('host');
  });

  it('a user rule that calls the initial namespace a container is not applied; one that calls a container the host neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsnap-rules-'));
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(
        file,
        [
          'version: 1',
          'rules:',
          '  - { name: grab-host, role: container, priority: 1000, match: { inode: 4026531836 }, label: mine }',
          '  - { name: grab-child, role: host, priority: 1000, match: { depth: 1 }, label: mine }',
        ].join('\n'),
      );
      const w = host([{ nspid: [910, 1], ppid: 1, ns: C, comm: 'sh', cmdline: ['sh'] }]);
      const a = analyse([project(w, ROOT)], loadRules([file]));
      expect(ns(a, `pid:${ROOT}`).role).toBe('host');
      expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'unknown', label: 'sh' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Chromium sandbox is recognised by its own init, not by a renderer that happens to run in it', () => {
    // An unshare namespace whose init is a shell; a --type=renderer process runs inside.
    const a = single(
      host([
        { nspid: [900], ppid: 1, ns: ROOT, comm: 'unshare', cmdline: ['unshare', '--pid', '--fork', 'sh'] },
        { nspid: [901, 1], ppid: 900, ns: C, comm: 'sh', cmdline: ['sh'] },
        { nspid: [902, 2], ppid: 901, ns: C, comm: 'sh', cmdline: ['sh', '-c', 'sleep 9', 'x', '--type=renderer'] },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'unknown', label: 'sh' });
  });
});

describe('container names', () => {
  it('docker: the id from the shim when the cgroup does not show it', () => {
    const a = single(
      host([
        {
          nspid: [900],
          ppid: 1,
          ns: ROOT,
          comm: 'containerd-shim',
          cmdline: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', ID, '-address', '/run/containerd/containerd.sock'],
        },
        { nspid: [910, 1], ppid: 900, ns: C, comm: 'sleep', cmdline: ['sleep', '100000'] },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'docker container 3f2a9c1e5b7d' });
    expect(ns(a, `pid:${C}`).evidence).toContain(`rule docker-container: created by containerd-shim-runc-v2 (900@pid:${ROOT})`);
  });

  it('podman as root: name and id from conmon', () => {
    const conmon = ['/usr/bin/conmon', '--api-version', '1', '-c', ID, '-u', ID, '-r', '/usr/bin/crun', '-n', 'web', '--exit-dir', '/x'];
    const a = single(
      host([
        { nspid: [900], ppid: 1, ns: ROOT, comm: 'conmon', cmdline: conmon, cgroup: ['0::/libpod_parent/conmon'] },
        { nspid: [910, 1], ppid: 900, ns: C, comm: 'sleep', cmdline: ['sleep', '100000'], cgroup: [`0::/libpod_parent/libpod-${ID}`] },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'podman container web (3f2a9c1e5b7d)' });
    // The evidence says where each name in the label came from.
    expect(ns(a, `pid:${C}`).evidence).toEqual([
      `rule podman-container: created by conmon (900@pid:${ROOT})`,
      `rule podman-container: label: web is the option -n of conmon (900@pid:${ROOT})`,
      `rule podman-container: label: ${ID} is the option -c of conmon (900@pid:${ROOT})`,
    ]);
  });

  it('rootless podman: the user namespace holding conmon, the pause process and the containers is the containers', () => {
    const U = 4026532500;
    const links = (net: number): WProc['links'] => ({ user: U, net, mnt: net + 1, uts: net + 2, ipc: net + 3 });
    const conmon = (id: string, name: string): string[] => ['/usr/bin/conmon', '-c', id, '-n', name, '-r', '/usr/bin/crun'];
    const a = single(
      host(
        [
          { nspid: [800], ppid: 1, ns: ROOT, comm: 'catatonit', cmdline: ['catatonit', '-P'], uid: 1000, links: { user: U } },
          { nspid: [900], ppid: 1, ns: ROOT, comm: 'conmon', cmdline: conmon(ID, 'web'), uid: 1000, links: { user: U } },
          { nspid: [910, 1], ppid: 900, ns: C, comm: 'sleep', cmdline: ['sleep', '100000'], uid: 1000, links: links(4026532600) },
          { nspid: [920], ppid: 1, ns: ROOT, comm: 'conmon', cmdline: conmon(ID2, 'db'), uid: 1000, links: { user: U } },
          { nspid: [930, 1], ppid: 920, ns: C2, comm: 'sleep', cmdline: ['sleep', '100000'], uid: 1000, links: links(4026532610) },
        ],
        { [C]: ROOT, [C2]: ROOT },
      ),
    );
    expect(ns(a, `pid:${C}`).label).toBe('podman container web (3f2a9c1e5b7d)');
    expect(ns(a, `pid:${C2}`).label).toBe('podman container db (9b8c7d6e5f4a)');
    const user = ns(a, `user:${U}`);
    expect(user.role).toBe('container');
    expect(user.label).toBe('shared by 2 PID namespaces: podman container web (3f2a9c1e5b7d); podman container db (9b8c7d6e5f4a)');
    expect(user.evidence.join('\n')).toContain(
      `also holds processes of pid:${ROOT}: catatonit (800@pid:${ROOT}), conmon (900@pid:${ROOT})`,
    );
  });

  it('containerd (nerdctl): namespace and id from the shim', () => {
    const a = single(
      host([
        {
          nspid: [900],
          ppid: 1,
          ns: ROOT,
          comm: 'containerd-shim',
          cmdline: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'default', '-id', 'redis1'],
        },
        { nspid: [910, 1], ppid: 900, ns: C, comm: 'redis-server', cmdline: ['redis-server'], cgroup: ['0::/default/redis1'] },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'containerd container redis1, namespace default' });
  });

  it('kubernetes: container id, pod UID and runtime from the cgroup', () => {
    const path = `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/cri-containerd-${ID}.scope`;
    const a = single(host([{ nspid: [910, 1], ppid: 1, ns: C, comm: 'pause', cmdline: ['/pause'], cgroup: [path] }]));
    expect(ns(a, `pid:${C}`).label).toBe('kubernetes container 3f2a9c1e5b7d, pod 0a1b2c3d-4e5f-6789-abcd-ef0123456789 (kubernetes)');
    expect(ns(a, `pid:${C}`).evidence).toContain(
      `rule kubernetes-container: label: 3f2a9c1e5b7d from the cgroup ${path.slice(3)} (910@pid:${ROOT})`,
    );
  });

  it.each([
    [['systemd-nspawn', '--register=no', '--keep-unit', '-M', 'deb', '-D', '/m/deb', 'sleep', '100000']],
    [['systemd-nspawn', '--register=no', '--machine=deb', '-D', '/m/x', 'sleep', '100000']],
    [['systemd-nspawn', '--machine', 'deb', '-bD', '/m/x']],
  ])('systemd-nspawn, not registered: the machine name from argv %j', (argv) => {
    // The inner child is the init; nspawn itself may be its grandparent.
    const a = single(
      host([
        { nspid: [900], ppid: 1, ns: ROOT, comm: 'systemd-nspawn', cmdline: argv },
        { nspid: [905], ppid: 900, ns: ROOT, comm: 'systemd-nspawn', cmdline: argv },
        { nspid: [910, 1], ppid: 905, ns: C, comm: 'sleep', cmdline: ['sleep', '100000'] },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'container', label: 'systemd-nspawn container deb' });
    expect(ns(a, `pid:${C}`).evidence[0]).toMatch(
      /^rule nspawn-container: created by systemd-nspawn \(905@pid:4026531836\), the init's parent$/,
    );
  });

  it('LXC: the name from the monitor title, padded with spaces and NULs, trimmed; evidence shows the whole title', () => {
    const a = single(
      host([
        { nspid: [900], ppid: 1, ns: ROOT, comm: 'lxc-start', cmdline: ['[lxc monitor] /var/lib/lxc web1            ', '', ''] },
        { nspid: [910, 1], ppid: 900, ns: C, comm: 'init', cmdline: ['init      '], cgroup: ['0::/'] },
      ]),
    );
    const c = ns(a, `pid:${C}`);
    expect(c).toMatchObject({ role: 'container', label: 'LXC container web1' });
    expect(c.evidence[0]).toBe(`rule lxc-container: created by [lxc monitor] /var/lib/lxc web1 (900@pid:${ROOT}), the init's parent`);
  });

  it('an unlabelled init with a padded title gets a trimmed label', () => {
    const a = single(host([{ nspid: [910, 1], ppid: 1, ns: C, comm: 'init', cmdline: ['init      ', ''] }]));
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'unknown', label: 'init' });
  });
});

describe('sandboxes', () => {
  it('firejail: the name from --name', () => {
    const argv = ['firejail', '--noprofile', '--quiet', '--name=fjtest', 'sleep', '20'];
    const a = single(
      host([
        { nspid: [900], ppid: 1, ns: ROOT, comm: 'firejail', cmdline: argv },
        { nspid: [901, 1], ppid: 900, ns: C, comm: 'firejail', cmdline: argv },
        { nspid: [902, 2], ppid: 901, ns: C, comm: 'sleep', cmdline: ['sleep', '20'] },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'sandbox', label: 'firejail sandbox fjtest' });
  });

  it('Chromium: zygote, renderers and the sandboxed utility process are told apart (shape of a real capture)', () => {
    // The browser on the host; the zygote is PID 1 of the sandbox and has its own user and
    // net namespaces; each renderer and the storage service is PID 1 of a namespace below.
    const Z = 4026532333;
    const R1 = 4026532331;
    const R2 = 4026532403;
    const UT = 4026532330;
    const zl = { user: 4026532181, net: 4026532334, mnt: 4026531841, uts: 4026531838, ipc: 4026531839 };
    const chrome = (type: string): string[] => [
      `/usr/lib/chromium/chromium --type=${type} --crashpad-handler-pid=0 --enable-crash-reporter=,built on Debian`,
    ];
    const a = single(
      host(
        [
          {
            nspid: [600],
            ppid: 1,
            ns: ROOT,
            comm: 'chromium',
            cmdline: ['/usr/lib/chromium/chromium', '--headless=new'],
            uid: 65534,
            links: HOST_LINKS,
          },
          {
            nspid: [601],
            ppid: 600,
            ns: ROOT,
            comm: 'chromium',
            cmdline: chrome('zygote --no-zygote-sandbox'),
            uid: 65534,
            links: HOST_LINKS,
          },
          { nspid: [602, 1], ppid: 600, ns: Z, comm: 'chromium', cmdline: chrome('zygote'), uid: 65534, links: zl },
          { nspid: [603, 3], ppid: 602, ns: Z, comm: 'chromium', cmdline: chrome('zygote'), uid: 65534, links: zl },
          {
            nspid: [604, 4, 1],
            ppid: 603,
            ns: UT,
            comm: 'chromium',
            cmdline: [`${chrome('utility')[0]} --utility-sub-type=storage.mojom.StorageService --lang=en-US`],
            uid: 65534,
            links: zl,
          },
          { nspid: [605, 14, 1], ppid: 603, ns: R1, comm: 'chromium', cmdline: chrome('renderer'), uid: 65534, links: zl },
          { nspid: [606, 15, 1], ppid: 603, ns: R2, comm: 'chromium', cmdline: chrome('renderer'), uid: 65534, links: zl },
        ],
        { [Z]: ROOT, [R1]: Z, [R2]: Z, [UT]: Z },
      ),
    );
    expect(ns(a, `pid:${ROOT}`).role).toBe('host');
    expect(ns(a, `pid:${Z}`)).toMatchObject({ role: 'sandbox', label: 'Chromium zygote sandbox (chromium)' });
    expect(ns(a, `pid:${R1}`)).toMatchObject({ role: 'sandbox', label: 'Chromium renderer sandbox (chromium)' });
    expect(ns(a, `pid:${R2}`).label).toBe('Chromium renderer sandbox (chromium)');
    expect(ns(a, `pid:${UT}`)).toMatchObject({
      role: 'sandbox',
      label: 'Chromium utility sandbox storage.mojom.StorageService (chromium)',
    });
    expect(ns(a, `user:${zl.user}`)).toMatchObject({ role: 'sandbox', label: 'Chromium zygote sandbox (chromium)' });
    expect(ns(a, `net:${zl.net}`)).toMatchObject({ role: 'sandbox', label: 'Chromium zygote sandbox (chromium)' });
    expect(ns(a, `mnt:${zl.mnt}`).role).toBe('host');
  });

  it('Firefox: the kind of content process from its last argument', () => {
    const a = single(
      host([
        { nspid: [900], ppid: 1, ns: ROOT, comm: 'firefox', cmdline: ['/usr/lib/firefox/firefox'] },
        {
          nspid: [901, 1],
          ppid: 900,
          ns: C,
          comm: 'Isolated Web Co',
          cmdline: [
            '/usr/lib/firefox/firefox',
            '-contentproc',
            '-childID',
            '1',
            '-isForBrowser',
            '-appDir',
            '/usr/lib/firefox/browser',
            '{a}',
            '900',
            'true',
            'tab',
          ],
        },
      ]),
    );
    expect(ns(a, `pid:${C}`)).toMatchObject({ role: 'sandbox', label: 'Firefox tab process sandbox (firefox)' });
  });
});

describe('namespaces of the other types', () => {
  it('three docker containers running the same command: each net, ipc, uts and mnt namespace names its container', () => {
    const ids = [ID, ID2, 'aa'.repeat(32)];
    const inner = [C, C2, C3];
    const procs: WProc[] = inner.map((pidNs, i) => ({
      nspid: [910 + i, 1],
      ppid: 1,
      ns: pidNs,
      comm: 'sleep',
      cmdline: ['sleep', '100000'],
      cgroup: [`0::/docker/${ids[i] as string}`],
      links: { net: pidNs + 1, ipc: pidNs + 2, uts: pidNs + 3, mnt: pidNs + 4, cgroup: pidNs + 5, user: 4026531837 },
    }));
    const a = single(host(procs, { [C]: ROOT, [C2]: ROOT, [C3]: ROOT }));
    for (const type of ['net', 'ipc', 'uts', 'mnt', 'cgroup']) {
      const rows = a.namespaces.filter((n) => n.type === type && n.role !== 'host').map((n) => `${n.role} ${n.label}`);
      expect(rows).toEqual([
        'container docker container 3f2a9c1e5b7d',
        'container docker container 9b8c7d6e5f4a',
        'container docker container aaaaaaaaaaaa',
      ]);
    }
    expect(ns(a, `net:${C + 1}`).evidence).toEqual([`role and label of pid:${C}, the outermost PID namespace among its members`]);
    expect(ns(a, 'user:4026531837')).toMatchObject({ role: 'host' });
  });

  it('a net namespace made on the host with unshare --net is not the host', () => {
    const a = single(
      host([{ nspid: [900], ppid: 1, ns: ROOT, comm: 'sleep', cmdline: ['sleep', '60'], links: { ...HOST_LINKS, net: 4026532900 } }], {}),
    );
    const n = ns(a, 'net:4026532900');
    expect(n).toMatchObject({ role: 'unknown', label: 'sleep 60' });
    expect(n.evidence).toEqual([`not the initial net namespace, and every member runs in pid:${ROOT}: sleep (900@pid:${ROOT})`]);
    expect(ns(a, `net:${HOST_LINKS.net}`).evidence[0]).toMatch(
      /^the initial net namespace \(kernel thread kthreadd \(2@pid:4026531836\)\)/,
    );
  });
});
