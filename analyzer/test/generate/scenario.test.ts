// The scenario loader is strict: unknown keys, alias bombs and inconsistent models are
// errors that name the file and the key.
import { describe, expect, it } from 'vitest';
import { ScenarioError, scenarioFromText } from '../../../tools/generate/scenario.js';

const BASE = `
output: test/x
boot:
  boot_id: b
  kernel: { release: r, version: v }
  shared: { net: 1, user: 2, cgroup: 3, time: 4 }
namespaces:
  - inode: 4026531836
    ns: { mnt: 5, uts: 6, ipc: 7 }
    processes:
      - { id: c, pid: 1, ppid: 0, cmd: /sbin/init }
views:
  - { name: v, root: 4026531836, collector: c, hostname: h, capture: 2026-01-01T00:00:00Z, uptime: 1 }
`;

describe('scenario loader', () => {
  it('loads a minimal scenario', () => {
    const s = scenarioFromText(BASE, 'min.yaml');
    expect(s.model.processes.map((p) => p.comm)).toEqual(['init']);
  });

  it('rejects an unknown key, naming file and key', () => {
    const bad = BASE.replace('cmd: /sbin/init', 'cmd: /sbin/init, cmdd: x');
    expect(() => scenarioFromText(bad, 'bad.yaml')).toThrow(ScenarioError);
    expect(() => scenarioFromText(bad, 'bad.yaml')).toThrow(/bad\.yaml: namespaces\[0\]\.processes\[0\]: unknown key 'cmdd'/);
  });

  it('rejects an alias bomb', () => {
    const bomb = `${BASE}
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
`;
    expect(() => scenarioFromText(bomb, 'bomb.yaml')).toThrow(/bomb\.yaml: too many YAML alias/);
  });

  it('rejects a PID list of the wrong length and an init whose parent is not one level up', () => {
    const wrong = BASE.replace('pid: 1, ppid: 0', 'pid: [1, 2], ppid: 0');
    expect(() => scenarioFromText(wrong, 'w.yaml')).toThrow(/pid: a list needs 1 entries/);
  });

  it('rejects a missing parent PID', () => {
    const orphan = BASE.replace('ppid: 0', 'ppid: 77');
    expect(() => scenarioFromText(orphan, 'o.yaml')).toThrow(/no process with PID 77/);
  });
});
