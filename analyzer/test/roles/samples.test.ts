// Roles on the generated WSL sample snapshots (samples/wsl/*/…tar.gz), when they exist.
// The samples are made by the generator from samples/scenarios/*.yaml.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
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
    expect(own.map((n) => n.type).sort()).toEqual(['cgroup', 'ipc', 'mnt', 'net', 'time', 'user', 'uts']);
    for (const n of own) expect([n.role, n.label]).toEqual(['host', 'host, PID 1 process_api']);
    expect(schemaErrors(a)).toEqual([]);
  });
});
