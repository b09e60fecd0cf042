// `nsnap ps [VIEW...]`: one row per process with its PID at every level, filterable.

import type { ProcessNode } from '../../model/types.js';
import { renderPsText } from '../../render/ps-text.js';
import { unreadLinks } from '../../render/tree-text.js';
import { NS_TYPES } from '../../procfs/ns-link.js';
import { writeSerialized } from '../../render/serialize.js';
import { NsnapError, UsageError } from '../../errors.js';
import { bool, list, parseArgs, type FlagSpec } from '../args.js';
import { analyse, COMMON_FLAGS, SAME_BOOT_FLAG, formatFrom, styleFrom, WIDE_FLAG, type Io } from '../common.js';
import { fitWidth, outputWidth } from '../width.js';
import { normaliseNsId } from './ns-arg.js';

export const FLAGS: FlagSpec = {
  pid: { kind: 'list', value: 'PID', help: 'processes with this PID at any level; repeatable' },
  comm: { kind: 'list', value: 'TEXT', help: 'processes whose name (comm) contains TEXT; repeatable' },
  ns: { kind: 'list', value: 'NS', help: 'processes in namespace NS (pid:4026532257, or a bare inode); repeatable' },
  ...COMMON_FLAGS,
  ...SAME_BOOT_FLAG,
  ...WIDE_FLAG,
};

export async function psCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  const pids = list(p, 'pid').map((x) => {
    if (!/^[0-9]{1,7}$/.test(x)) throw new UsageError(`--pid needs a PID, not '${x}'`);
    return Number(x);
  });
  const comms = list(p, 'comm');
  const nss = list(p, 'ns').map(normaliseNsId);
  const format = formatFrom(p);
  const analysis = await analyse(p.positional, p, io);
  const keep = (proc: ProcessNode): boolean =>
    (pids.length === 0 || proc.nspid.some((n) => pids.includes(n))) &&
    (comms.length === 0 || comms.some((c) => proc.comm.includes(c))) &&
    (nss.length === 0 || nss.some((id) => Object.values(proc.ns).includes(id)));
  const procs = analysis.processes.filter(keep);
  // As the README says: exit 1 when nothing is found, with one line on stderr.
  if (procs.length === 0 && (pids.length > 0 || comms.length > 0 || nss.length > 0)) {
    throw new NsnapError('NOT_FOUND', 'no process matches the filters', { exitCode: 1 });
  }
  if (format === 'text' && !bool(p, 'quiet')) {
    // Denied links (a non-root capture) are not absent namespaces: say how many, per type.
    const counts = NS_TYPES.map((type) => [type, unreadLinks(analysis, type)] as const).filter(([, n]) => n > 0);
    if (counts.length > 0) {
      const list = counts.map(([type, n]) => `${type} ${n}`).join(', ');
      io.stderr(`nsnap: note: of ${analysis.processes.length} processes, namespace links could not be read (not root?): ${list}\n`);
    }
  }
  if (format === 'text') io.stdout(fitWidth(renderPsText(procs, styleFrom(p, io)), outputWidth(io, bool(p, 'wide'))));
  else writeSerialized({ format: 'nsnap-ps', formatVersion: 1, views: analysis.views, processes: procs }, format, io.stdout);
  return 0;
}
