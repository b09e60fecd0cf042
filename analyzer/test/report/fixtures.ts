// Analyses for the report tests, built from small fake /proc trees through the real
// reader and model. The WSL world is the source post's machine with GUI apps on: the VM
// root, one system distro per user distro, Ubuntu 20.04 (systemd) and 18.04. Roles are
// set here by hand, as the roles layer would, so the pictures show every colour.

import { buildAnalysis } from '../../src/model/build.js';
import type { Analysis, Role } from '../../src/model/types.js';
import { loadView } from '../../src/source/load.js';
import { writeFakeProc, type FakeProc } from '../helpers/fake-proc.js';

export const R = 4026531836;
export const SYS1 = 4026532245;
export const U2004 = 4026532257;
export const SYS2 = 4026532771;
export const U1804 = 4026532784;

export function wslProcs(): FakeProc[] {
  return [
    { pid: 1, ppid: 0, nspid: [1], comm: 'init', cmdline: ['/init'], ns: { pid: R } },
    { pid: 5, ppid: 1, nspid: [5], comm: 'sh', cmdline: ['/bin/sh'], ns: { pid: R } },
    { pid: 221, ppid: 1, nspid: [221, 1], comm: 'init', cmdline: ['/init'], ns: { pid: SYS1 } },
    { pid: 224, ppid: 221, nspid: [224, 2], comm: 'WSLGd', cmdline: ['/usr/bin/WSLGd'], uid: 1000, ns: { pid: SYS1 } },
    {
      pid: 230,
      ppid: 224,
      nspid: [230, 8],
      comm: 'weston',
      cmdline: ['/usr/bin/weston', '--backend=rdp-backend.so'],
      uid: 1000,
      ns: { pid: SYS1 },
    },
    { pid: 231, ppid: 224, nspid: [231, 9], comm: 'pulseaudio', cmdline: ['/usr/bin/pulseaudio'], uid: 1000, ns: { pid: SYS1 } },
    { pid: 226, ppid: 221, nspid: [226, 5, 1], comm: 'systemd', cmdline: ['/sbin/init'], ns: { pid: U2004 } },
    { pid: 227, ppid: 226, nspid: [227, 6, 2], comm: 'init', cmdline: ['/init'], ns: { pid: U2004 } },
    {
      pid: 248,
      ppid: 227,
      nspid: [248, 20, 16],
      comm: 'plan9',
      cmdline: ['plan9', '--control-socket', '6', '--log-level', '4', '--server-fd', '7', '--pipe'],
      ns: { pid: U2004 },
    },
    { pid: 939, ppid: 227, nspid: [939, 700, 690], comm: 'login', cmdline: ['/bin/login', '-f'], ns: { pid: U2004 } },
    { pid: 1132, ppid: 939, nspid: [1132, 900, 880], comm: 'bash', cmdline: ['-bash'], uid: 1000, ns: { pid: U2004 } },
    { pid: 48950, ppid: 1132, nspid: [48950, 4578, 4419], comm: 'sleep', cmdline: ['sleep', '680001'], uid: 1000, ns: { pid: U2004 } },
    { pid: 56291, ppid: 1, nspid: [56291, 1], comm: 'init', cmdline: ['/init'], ns: { pid: SYS2 } },
    { pid: 56295, ppid: 56291, nspid: [56295, 3], comm: 'WSLGd', cmdline: ['/usr/bin/WSLGd'], uid: 1000, ns: { pid: SYS2 } },
    { pid: 56297, ppid: 56291, nspid: [56297, 5, 1], comm: 'init', cmdline: ['/init'], ns: { pid: U1804 } },
    { pid: 56564, ppid: 56297, nspid: [56564, 87, 32], comm: 'sleep', cmdline: ['sleep', '180000'], uid: 1000, ns: { pid: U1804 } },
  ];
}

export const WSL_ROLES: Record<number, Role> = {
  [R]: 'wsl-vm',
  [SYS1]: 'wsl-system-distro',
  [SYS2]: 'wsl-system-distro',
  [U2004]: 'wsl-user-distro',
  [U1804]: 'wsl-user-distro',
};

export async function analysisOf(procs: FakeProc[], roles: Record<number, Role> = {}, self = 5): Promise<Analysis> {
  const view = await loadView(writeFakeProc({ procs, self }));
  const a = buildAnalysis([view]);
  for (const n of a.namespaces) {
    const role = n.inode === null ? undefined : roles[n.inode];
    if (n.type === 'pid' && role) {
      n.role = role;
      n.evidence = [`rule ${role}: ${n.init ?? 'no init'} matched`];
    }
  }
  return a;
}

export const wslAnalysis = (): Promise<Analysis> => analysisOf(wslProcs(), WSL_ROLES);

/** Names that try to break out of every format the reports write. */
export const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  'a|b||c',
  'x\\|y',
  'line1\nline2\r\n',
  '\u001b[31mred\u001b[0m\u0007',
  'n1 --> n2',
  'end]; click n1 call alert(1) %%{init: {"securityLevel": "loose"}}%%',
  '```js\nalert(1)\n```',
  '`tick` ``two``',
  '"double" \'single\' #quot; #35; &amp; &#60;',
  '[link](javascript:alert(1)) ![i](http://example.invalid/x.png)',
  '# heading; style n1 fill:#f00;',
  'evil\u202etxt.exe \u200f\u2066',
  '@octocat #1 :smile: $x^2$ *em* _em_ ~~s~~',
  'ﬂ°lt¶ß ﬂ°°60¶ß',
  '\\n \\l \\" trailing\\',
  '</script><script>alert(2)</script>',
  ']]><!-- --> \u2028\u2029',
];

/** A WSL world whose processes carry the hostile names as comm and cmdline. */
export async function hostileAnalysis(): Promise<Analysis> {
  const a = await wslAnalysis();
  a.processes.forEach((p, i) => {
    const h = HOSTILE[i % HOSTILE.length] as string;
    p.comm = h;
    p.cmdline = `${h} --arg ${HOSTILE[(i + 3) % HOSTILE.length]}`;
  });
  a.namespaces.forEach((n, i) => {
    n.label = HOSTILE[(i * 5) % HOSTILE.length] as string;
    n.evidence = [HOSTILE[(i * 7) % HOSTILE.length] as string];
  });
  return a;
}
