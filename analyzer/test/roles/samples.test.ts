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
