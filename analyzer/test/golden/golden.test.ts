// Golden outputs for the samples: the source post's question, answered, and the merged
// live capture. NSNAP_UPDATE_GOLDEN=1 rewrites the expected files after a deliberate change;
// without it a missing expected file is a failure, never a file written in passing.

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cli } from '../helpers/run-cli.js';

const GUI_ON = ['debug-shell', 'system-distro', 'ubuntu-18.04', 'ubuntu-20.04'].map((v) => `samples/wsl/gui-on/${v}.tar.gz`);
const GUI_OFF = ['debug-shell', 'ubuntu-18.04', 'ubuntu-20.04'].map((v) => `samples/wsl/gui-off/${v}.tar.gz`);
const LIVE = ['level1', 'level1-nobody', 'level3'].map((v) => `samples/live/${v}.tar.gz`);

const cases: [string, string[]][] = [
  ['gui-on-tree.txt', ['tree', ...GUI_ON]],
  ['gui-on-pid-4419.txt', ['pid', '4419', '--in', 'pid:4026532257', ...GUI_ON]],
  ['gui-on-ps-sleep.txt', ['ps', '--comm', 'sleep', ...GUI_ON]],
  ['gui-off-tree.txt', ['tree', ...GUI_OFF]],
  ['live-tree-processes.txt', ['tree', '--processes', ...LIVE]],
  ['gui-on-tree.json', ['tree', '--format', 'json', ...GUI_ON]],
  ['live-tree.json', ['tree', '--format', 'json', ...LIVE]],
];

describe('golden outputs for the samples', () => {
  for (const [name, argv] of cases) {
    it(`nsnap ${argv.filter((a) => !a.startsWith('samples/')).join(' ')} (${name})`, async () => {
      const r = await cli(...argv);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const file = `analyzer/test/golden/expected/${name}`;
      if (process.env.NSNAP_UPDATE_GOLDEN === '1') writeFileSync(file, r.stdout);
      expect(existsSync(file), `${file} is missing; run with NSNAP_UPDATE_GOLDEN=1 to write it, then review the diff`).toBe(true);
      expect(r.stdout).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('answers the post: 48950 -> 4578 -> 4419, with the role of each level', async () => {
    const r = await cli('pid', '4419', '--in', 'pid:4026532257', '--format', 'json', ...GUI_ON);
    const out = JSON.parse(r.stdout) as { chain: { ns: string; depth: number; pid: number }[] };
    expect(out.chain).toEqual([
      { ns: 'pid:4026531836', depth: 0, pid: 48950 },
      { ns: 'pid:4026532245', depth: 1, pid: 4578 },
      { ns: 'pid:4026532257', depth: 2, pid: 4419 },
    ]);
    const tree = JSON.parse((await cli('tree', '--format', 'json', ...GUI_ON)).stdout) as {
      namespaces: { id: string; role: string; parent: string | null }[];
    };
    const role = (id: string) => tree.namespaces.find((n) => n.id === id);
    expect(role('pid:4026531836')).toMatchObject({ role: 'wsl-vm', parent: null });
    expect(role('pid:4026532245')).toMatchObject({ role: 'wsl-system-distro', parent: 'pid:4026531836' });
    expect(role('pid:4026532257')).toMatchObject({ role: 'wsl-user-distro', parent: 'pid:4026532245' });
    expect(role('pid:4026532771')).toMatchObject({ role: 'wsl-system-distro', parent: 'pid:4026531836' });
    expect(role('pid:4026532784')).toMatchObject({ role: 'wsl-user-distro', parent: 'pid:4026532771' });
  });
});
