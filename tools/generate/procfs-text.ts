// The text a 5.15 kernel puts in /proc/PID/{status,stat,cmdline,comm,cgroup}, from values
// already translated into the view's PID namespace. Field order and layout follow
// fs/proc/array.c, so the files read like real captures; the memory and signal numbers
// are fixed, plausible values.

export interface ProcText {
  comm: string;
  argv: string[];
  state: string;
  uid: number;
  gid: number;
  kthread: boolean;
  starttime: number;
  cgroup: string;
  /** The PID at every level of the view, outermost first (NSpid). */
  nspid: number[];
  /** Parent PID in the view's namespace; 0 when the parent is outside it. */
  ppid: number;
  /** Process-group and session leader PIDs per level of nspid (0: not visible there). */
  nspgid: number[];
  nssid: number[];
}

const STATE_NAMES: Record<string, string> = {
  R: 'R (running)',
  S: 'S (sleeping)',
  D: 'D (disk sleep)',
  T: 'T (stopped)',
  t: 't (tracing stop)',
  Z: 'Z (zombie)',
  X: 'X (dead)',
  I: 'I (idle)',
};

const FULL_CAPS = '000001ffffffffff';
const NO_CAPS = '0000000000000000';

function groupsFor(uid: number): string {
  if (uid === 0) return '';
  // Ubuntu's first user: adm cdrom sudo dip plugdev lxd and its own group.
  return uid === 1000 ? '4 20 24 25 27 29 30 44 46 116 1000 ' : `${uid} `;
}

export function statusText(p: ProcText): string {
  const ids = (n: number): string => `${n}\t${n}\t${n}\t${n}`;
  const own = p.nspid[0] as number;
  const caps = p.uid === 0 ? FULL_CAPS : NO_CAPS;
  const lines = [
    `Name:\t${p.comm}`,
    `Umask:\t${p.kthread ? '0000' : '0022'}`,
    `State:\t${STATE_NAMES[p.state] ?? p.state}`,
    `Tgid:\t${own}`,
    'Ngid:\t0',
    `Pid:\t${own}`,
    `PPid:\t${p.ppid}`,
    'TracerPid:\t0',
    `Uid:\t${ids(p.uid)}`,
    `Gid:\t${ids(p.gid)}`,
    `FDSize:\t${p.kthread ? 64 : 256}`,
    `Groups:\t${groupsFor(p.uid)}`,
    `NStgid:\t${p.nspid.join('\t')}`,
    `NSpid:\t${p.nspid.join('\t')}`,
    `NSpgid:\t${p.nspgid.join('\t')}`,
    `NSsid:\t${p.nssid.join('\t')}`,
  ];
  if (!p.kthread) {
    lines.push(
      'VmPeak:\t    8340 kB',
      'VmSize:\t    8340 kB',
      'VmLck:\t       0 kB',
      'VmPin:\t       0 kB',
      'VmHWM:\t    1012 kB',
      'VmRSS:\t    1012 kB',
      'RssAnon:\t      88 kB',
      'RssFile:\t     924 kB',
      'RssShmem:\t       0 kB',
      'VmData:\t     360 kB',
      'VmStk:\t     132 kB',
      'VmExe:\t      16 kB',
      'VmLib:\t    1748 kB',
      'VmPTE:\t      52 kB',
      'VmSwap:\t       0 kB',
      'HugetlbPages:\t       0 kB',
      'CoreDumping:\t0',
      'THP_enabled:\t1',
    );
  }
  lines.push(
    'Threads:\t1',
    'SigQ:\t0/63707',
    'SigPnd:\t0000000000000000',
    'ShdPnd:\t0000000000000000',
    `SigBlk:\t0000000000000000`,
    `SigIgn:\t${p.kthread ? 'ffffffffffffffff' : '0000000000000000'}`,
    `SigCgt:\t${p.kthread ? '0000000000000000' : '0000000000010000'}`,
    'CapInh:\t0000000000000000',
    `CapPrm:\t${caps}`,
    `CapEff:\t${caps}`,
    `CapBnd:\t${FULL_CAPS}`,
    'CapAmb:\t0000000000000000',
    'NoNewPrivs:\t0',
    'Seccomp:\t0',
    'Seccomp_filters:\t0',
    'Speculation_Store_Bypass:\tthread vulnerable',
    'SpeculationIndirectBranch:\tconditional enabled',
    'Cpus_allowed:\tff',
    'Cpus_allowed_list:\t0-7',
    'Mems_allowed:\t00000000,00000001',
    'Mems_allowed_list:\t0',
    'voluntary_ctxt_switches:\t12',
    'nonvoluntary_ctxt_switches:\t1',
  );
  return `${lines.join('\n')}\n`;
}

/** 52 fields; the comm is in parentheses, field 22 is starttime. */
export function statText(p: ProcText): string {
  const pgrp = p.nspgid[0] ?? 0;
  const sid = p.nssid[0] ?? 0;
  const flags = p.kthread ? 2129984 : 4194560;
  const vsize = p.kthread ? 0 : 8540160;
  const rss = p.kthread ? 0 : 253;
  const rlim = p.kthread ? 0 : '18446744073709551615';
  const fields: (string | number)[] = [
    p.state,
    p.ppid,
    pgrp,
    sid,
    0, // tty_nr
    -1, // tpgid
    flags,
    120, // minflt
    0,
    0,
    0,
    1, // utime
    2, // stime
    0,
    0,
    20, // priority
    0, // nice
    1, // num_threads
    0, // itrealvalue
    p.starttime,
    vsize,
    rss,
    rlim,
    ...(p.kthread ? [0, 0, 0, 0, 0] : [1, 1, 0, 0, 0]),
    0, // signal
    0, // blocked
    p.kthread ? 2147483647 : 0, // sigignore
    p.kthread ? 0 : 65536, // sigcatch
    1, // wchan
    0,
    0,
    17, // exit_signal
    0, // processor
    0,
    0,
    0,
    0,
    0,
    0, // start_data .. exit_code (fields 45-52)
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  return `${p.nspid[0] as number} (${p.comm}) ${fields.join(' ')}\n`;
}

/** NUL-terminated argv; empty for kernel threads. */
export function cmdlineBytes(argv: string[]): Buffer {
  if (argv.length === 0) return Buffer.alloc(0);
  return Buffer.from(`${argv.join('\0')}\0`, 'utf8');
}

/** The kernel keeps 15 bytes of a comm (TASK_COMM_LEN 16 with the NUL). */
export function kernelComm(comm: string): string {
  return Buffer.from(comm, 'utf8').subarray(0, 15).toString('utf8');
}

export function commText(comm: string): string {
  return `${kernelComm(comm)}\n`;
}

export function cgroupText(path: string): string {
  return `0::${path}\n`;
}
