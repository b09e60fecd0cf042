// `nsnap ps [VIEW...]`: one row per process with its PID at every level, filterable.

import type { ProcessNode } from '../../model/types.js';
import { renderPsText } from '../../render/ps-text.js';
import { writeSerialized } from '../../render/serialize.js';
import { UsageError } from '../../errors.js';
import { list, parseArgs, type FlagSpec } from '../args.js';
import { analyse, COMMON_FLAGS, formatFrom, styleFrom, type Io } from '../common.js';
import { normaliseNsId } from './ns-arg.js';

const FLAGS: FlagSpec = { ...COMMON_FLAGS, pid: 'list', comm: 'list', ns: 'list' };

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
  if (format === 'text') io.stdout(renderPsText(procs, styleFrom(p, io)));
  else writeSerialized({ format: 'nsnap-ps', formatVersion: 1, views: analysis.views, processes: procs }, format, io.stdout);
  return 0;
}
