// A small snapshot with personal data and secrets planted where real captures have them:
// command lines, comm, cgroup paths, wsl.conf, .wslconfig, lsns COMMAND and the manifest.
// Built with the real writer and the generator's procfs text, so it is a valid snapshot.

import { scratchDir } from '../helpers/scratch.js';
import { join } from 'node:path';
import {
  cgroupText,
  cmdlineBytes,
  commText,
  kernelComm,
  statText,
  statusText,
  type ProcText,
} from '../../../tools/generate/procfs-text.js';
import type { Manifest } from '../../src/snapshot/manifest.js';
import { writeSnapshot, type ProcEntry } from '../../src/snapshot/writer.js';

export const tmp = (): string => scratchDir('nsnap-redact-');

/** Every string that must not survive redaction. */
export const PLANTED = [
  'alices-laptop',
  'alice',
  'hunter2',
  'abc.def',
  'bob:',
  'AKIAIOSFODNN7EXAMPLE',
  'ghp_0123456789abcdefghijABCDEFGHIJ012345',
  'alice.smith@example.com',
  '10.1.2.3',
  '172.28.16.1',
  '00:1a:2b:3c:4d:5e',
  'fe80::1ff:fe23:4567:890a',
  's3cr3tValue',
  'deadbeefdeadbeefdeadbeefdeadbeef00',
  'QWxhZGRpbjpvcGVuIHNlc2FtZSBhbmQgbW9yZSBzdHVmZg12',
  'xoxb-1234567890-abcdefghij',
  'MIIEpAIBAAKCAQEA',
  'sk_live_abcdef',
  'topsecretvalue',
  'Carol Jones',
] as const;

interface Proc {
  pid: number;
  nspid: number[];
  ppid: number;
  argv: string[];
  comm?: string;
  uid?: number;
  ns: number;
  cgroup?: string;
  osRelease?: string;
  wslConf?: string;
}

const ROOT_NS = 4026531836;
const CHILD_NS = 4026532300;

export interface PlantOptions {
  hostname?: string;
  user?: string;
  extraProcs?: Proc[];
}

export function plantedProcs(user = 'alice', hostname = 'alices-laptop'): Proc[] {
  return [
    {
      pid: 1,
      nspid: [1],
      ppid: 0,
      argv: ['/sbin/init'],
      comm: 'systemd',
      ns: ROOT_NS,
      osRelease: 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n',
    },
    {
      pid: 40,
      nspid: [40, 1],
      ppid: 1,
      argv: ['/init'],
      comm: 'init',
      ns: CHILD_NS,
      wslConf: `[boot]\nsystemd=true\n[user]\ndefault=${user}\n[network]\nhostname=${hostname}\n`,
    },
    {
      pid: 41,
      nspid: [41, 2],
      ppid: 40,
      argv: ['-bash'],
      comm: 'bash',
      uid: 1000,
      ns: CHILD_NS,
      cgroup: `/user.slice/user-1000.slice/${hostname}.scope`,
    },
    {
      pid: 100,
      nspid: [100, 3],
      ppid: 41,
      argv: ['curl', '-H', 'Authorization: Bearer abc.def', 'https://bob:hunter2@example.com/x'],
      uid: 1000,
      ns: CHILD_NS,
    },
    { pid: 101, nspid: [101], ppid: 1, argv: ['mysqld', '--password=hunter2', '--user=mysql'], ns: ROOT_NS },
    {
      pid: 102,
      nspid: [102],
      ppid: 1,
      argv: ['aws-thing', '--key-id', 'AKIAIOSFODNN7EXAMPLE', '--token', 'ghp_0123456789abcdefghijABCDEFGHIJ012345'],
      ns: ROOT_NS,
    },
    {
      pid: 103,
      nspid: [103],
      ppid: 1,
      argv: [
        'notify',
        '--to',
        `${user}.smith@example.com`,
        '--from',
        '10.1.2.3',
        '--mac',
        '00:1a:2b:3c:4d:5e',
        '--ip6',
        'fe80::1ff:fe23:4567:890a',
      ],
      ns: ROOT_NS,
    },
    {
      pid: 104,
      nspid: [104, 4],
      ppid: 41,
      argv: [`/home/${user}/bin/tool`, '--config', `/home/${user}/.config/x.json`, '/mnt/c/Users/Carol Jones/Documents/a.txt'],
      comm: hostname,
      uid: 1000,
      ns: CHILD_NS,
    },
    { pid: 105, nspid: [105, 5], ppid: 41, argv: ['ssh', `${user}@${hostname}`], uid: 1000, ns: CHILD_NS },
    { pid: 106, nspid: [106], ppid: 1, argv: ['env', 'DB_PASSWORD=s3cr3tValue', 'worker'], ns: ROOT_NS },
    { pid: 107, nspid: [107], ppid: 1, argv: ['gpg', '--fingerprint', 'deadbeefdeadbeefdeadbeefdeadbeef00'], ns: ROOT_NS },
    { pid: 108, nspid: [108], ppid: 1, argv: ['post', '--data=QWxhZGRpbjpvcGVuIHNlc2FtZSBhbmQgbW9yZSBzdHVmZg12'], ns: ROOT_NS },
    { pid: 109, nspid: [109], ppid: 1, argv: ['slackbot', 'xoxb-1234567890-abcdefghij'], ns: ROOT_NS },
    {
      pid: 110,
      nspid: [110],
      ppid: 1,
      argv: ['keytool', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'],
      ns: ROOT_NS,
    },
    { pid: 111, nspid: [111], ppid: 1, argv: ['svc', '--api-key=sk_live_abcdef', '--secret', 'topsecretvalue'], ns: ROOT_NS },
  ];
}

function text(p: Proc): ProcText {
  const comm = kernelComm(p.comm ?? (p.argv[0] ?? '').split('/').pop() ?? '');
  return {
    comm,
    argv: p.argv,
    state: 'S',
    uid: p.uid ?? 0,
    gid: p.uid ?? 0,
    kthread: false,
    starttime: 1000 + p.pid,
    cgroup: p.cgroup ?? '/',
    nspid: p.nspid,
    ppid: p.ppid,
    nspgid: p.nspid.map(() => 0),
    nssid: p.nspid.map(() => 0),
  };
}

function entry(p: Proc): ProcEntry {
  const t = text(p);
  const e: ProcEntry = {
    pid: p.pid,
    status: statusText(t),
    stat: statText(t),
    cmdline: cmdlineBytes(p.argv),
    comm: commText(t.comm),
    cgroup: cgroupText(t.cgroup),
    ns: {
      pid: p.ns,
      pid_for_children: p.ns,
      mnt: p.ns === ROOT_NS ? 4026531841 : 4026532301,
      uts: 4026531838,
      ipc: 4026531839,
      net: 4026531840,
      user: 4026531837,
      cgroup: 4026531835,
    },
  };
  if (p.osRelease !== undefined) e.osRelease = p.osRelease;
  if (p.wslConf !== undefined) e.wslConf = p.wslConf;
  return e;
}

/** Writes the planted snapshot; returns its path. */
export async function writePlanted(dir: string, name: string, options: PlantOptions = {}): Promise<string> {
  const user = options.user ?? 'alice';
  const hostname = options.hostname ?? 'alices-laptop';
  const procs = [...plantedProcs(user, hostname), ...(options.extraProcs ?? [])].sort((a, b) => a.pid - b.pid);
  const manifest: Manifest = {
    format: 'nsnap-snapshot',
    format_version: 1,
    collector: { name: 'nsnap-collect.sh', version: '0.1.0', shell: 'dash', copy_mode: 'bulk', cmdline: true },
    label: `${user}-debug`,
    capture: { start: '2026-11-29T03:40:00Z', end: '2026-11-29T03:40:01Z', seconds: 0.4 },
    source: { proc: `/home/${user}/captures/proc`, live: false },
    view: {
      self_pid: 1,
      boot_id: 'e711e84c-6603-4a5c-a778-3a6ae6302e75',
      hostname,
      kernel: { release: '5.15.153.1-microsoft-standard-WSL2', version: '#1 SMP Fri Mar 29 23:14:13 UTC 2024' },
      uptime_seconds: 100,
      procfs_mounts: ['22 27 0:21 / /proc rw,relatime - proc proc rw'],
      uid: 0,
      euid: 0,
    },
    env: {
      WSL_DISTRO_NAME: 'Ubuntu-22.04',
      DISPLAY: '172.28.16.1:0',
      PULSE_SERVER: `tcp:${hostname}.local`,
      WSLENV: 'WT_SESSION:',
      WSL_INTEROP_set: true,
    },
    wsl: { wsl_conf: false, wslconfig: { given: true, captured: true } },
    lsns: {
      ran: true,
      command: 'lsns -J --output NS,TYPE,PATH,NPROCS,PID,PPID,PNS,ONS,COMMAND',
      version: 'lsns from util-linux 2.38.1',
      exit_code: 0,
      file: 'lsns.json',
    },
    counts: { processes: procs.length, namespaces: 9, denied: 0, vanished: 0, errors: 0 },
    denied: [],
    vanished: [],
    errors: [],
  };
  const lsns = {
    namespaces: procs
      .filter((p) => p.nspid.length === 1 || p.nspid[1] === 1)
      .map((p) => ({
        ns: p.ns,
        type: 'pid',
        path: `/proc/${p.pid}/ns/pid`,
        nprocs: 1,
        pid: p.pid,
        ppid: p.ppid,
        pns: 0,
        ons: 4026531837,
        command: p.argv.join(' '),
      })),
  };
  const file = join(dir, name);
  await writeSnapshot(file, {
    topFolder: `nsnap-${hostname}-${user}-debug-20261129T034000Z`,
    manifest,
    view: {
      uptime: '100.00 730.00\n',
      hostname: `${hostname}\n`,
      osrelease: '5.15.153.1-microsoft-standard-WSL2\n',
      version: '#1 SMP Fri Mar 29 23:14:13 UTC 2024\n',
      bootId: 'e711e84c-6603-4a5c-a778-3a6ae6302e75\n',
    },
    selfPid: 1,
    lsns: `${JSON.stringify(lsns, null, 3)}\n`,
    wslconfig: `[wsl2]\r\nkernel=C:\\\\Users\\\\${user}\\\\bzImage\r\nswapFile=C:\\Users\\${user}\\swap.vhdx\r\nguiApplications=true\r\n`,
    processes: procs.map(entry),
  });
  return file;
}
