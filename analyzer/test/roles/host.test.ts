// A plain machine: the initial PID namespace is the host, nested unshare namespaces stay
// unknown, and the live /proc of this machine comes out as a host.

import { describe, expect, it } from 'vitest';
import { buildAnalysis } from '../../src/model/build.js';
import { applyRoles } from '../../src/roles/index.js';
import { loadView } from '../../src/source/load.js';
import { analyse, builtinRules, kthreads, ns, project, ROOT, type World } from './world.js';
import { schemaErrors } from './schema.js';

const A = 4026532400;
const B = 4026532401;

function world(): World {
  return {
    nsParent: { [ROOT]: null, [A]: ROOT, [B]: A },
    procs: [
      { nspid: [1], ppid: 0, ns: ROOT, comm: 'systemd', cmdline: ['/sbin/init'] },
      ...kthreads(),
      { nspid: [500], ppid: 1, ns: ROOT, comm: 'bash', cmdline: ['bash'] },
      { nspid: [600], ppid: 500, ns: ROOT, comm: 'unshare', cmdline: ['unshare', '--pid', '--fork', '--mount-proc', 'sh'] },
      { nspid: [601, 1], ppid: 600, ns: A, comm: 'sh', cmdline: ['sh'] },
      { nspid: [602, 2], ppid: 601, ns: A, comm: 'unshare', cmdline: ['unshare', '--pid', '--fork', 'sleep', '1000'] },
      { nspid: [603, 3, 1], ppid: 602, ns: B, comm: 'sleep', cmdline: ['sleep', '1000'] },
    ],
  };
}

describe('plain host', () => {
  it('the initial PID namespace with a non-WSL PID 1 is the host; unshare namespaces are unknown', () => {
    const a = analyse([project(world(), ROOT)]);
    expect(ns(a, `pid:${ROOT}`)).toMatchObject({ role: 'host', label: 'host, PID 1 systemd' });
    expect(ns(a, `pid:${A}`)).toMatchObject({ role: 'unknown', label: 'sh', evidence: [] });
    expect(ns(a, `pid:${B}`)).toMatchObject({ role: 'unknown', label: 'sleep 1000' });
    expect(a.views[0]).toMatchObject({ level: 'host' });
    expect(a.config).toMatchObject({ guiApplications: null, systemd: null, wslVersion: null, distros: [] });
    expect(schemaErrors(a)).toEqual([]);
  });

  it('a view from inside an unshare namespace is guessed to be a container, and says so', () => {
    const a = analyse([project(world(), A)]);
    expect(ns(a, `pid:${A}`).role).toBe('unknown');
    expect(a.views[0]?.level).toBe('container');
    expect(a.views[0]?.levelEvidence[0]).toBe(`guessed: no rule matched pid:${A}`);
  });

  it('kernel threads make the outermost namespace the host even without its inode', () => {
    const v = project(world(), ROOT);
    for (const rec of v.procs.values()) rec.ns = {};
    const a = analyse([v]);
    const root = a.namespaces.find((n) => n.type === 'pid' && n.depth === 0);
    expect(root?.role).toBe('host');
    expect(root?.evidence[0]).toBe('rule host-kernel-threads: outermost namespace in the model');
  });

  it('the live /proc of this machine is a host', async () => {
    const view = await loadView('/proc');
    const a = buildAnalysis([view]);
    applyRoles(a, [view], builtinRules());
    const root = a.namespaces.find((n) => n.type === 'pid' && n.parent === null);
    expect(root?.role).toBe('host');
    expect(a.views[0]?.level).toBe('host');
    expect(schemaErrors(a)).toEqual([]);
  });
});
