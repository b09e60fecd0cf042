// The WSL samples rebuild the source post's hierarchy: VM -> two system distros -> one
// user distro each, with the post's sleep at 48950/4578/4419.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAnalysis } from '../../src/model/build.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { loadView } from '../../src/source/load.js';

const dir = join(PROJECT_ROOT, 'samples', 'wsl', 'gui-on');

describe('samples/wsl/gui-on', () => {
  it('rebuilds the post hierarchy', async () => {
    const files = readdirSync(dir)
      .filter((n) => n.endsWith('.tar.gz'))
      .sort();
    const views = await Promise.all(files.map((f) => loadView(join(dir, f))));
    for (const v of views) expect(v.problems).toEqual([]);
    const a = buildAnalysis(views);
    const pid = new Map(a.namespaces.filter((n) => n.type === 'pid').map((n) => [n.id, n]));
    expect(pid.get('pid:4026531836')?.children).toEqual(['pid:4026532245', 'pid:4026532771']);
    expect(pid.get('pid:4026532245')?.children).toEqual(['pid:4026532257']);
    expect(pid.get('pid:4026532771')?.children).toEqual(['pid:4026532784']);
    const sleep = a.processes.find((p) => p.cmdline === 'sleep 680001');
    expect(sleep?.nspid).toEqual([48950, 4578, 4419]);
    expect(a.processes.find((p) => p.cmdline === 'sleep 180000')?.nspid).toEqual([56564, 87, 32]);
  });
});
