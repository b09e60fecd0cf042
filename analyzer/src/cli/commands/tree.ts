// `nsnap tree [VIEW...]`: the namespace tree of one boot, merged from every view.

import { isNsType } from '../../procfs/ns-link.js';
import { serialize } from '../../render/serialize.js';
import { renderTreeText } from '../../render/tree-text.js';
import { UsageError } from '../../errors.js';
import { bool, parseArgs, str, type FlagSpec } from '../args.js';
import { analyse, COMMON_FLAGS, formatFrom, styleFrom, type Io } from '../common.js';

const FLAGS: FlagSpec = { ...COMMON_FLAGS, processes: 'boolean', type: 'string' };

export async function treeCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  const type = str(p, 'type') ?? 'pid';
  if (!isNsType(type)) throw new UsageError(`--type must be one of cgroup, ipc, mnt, net, pid, time, user, uts, not '${type}'`);
  const format = formatFrom(p);
  const analysis = await analyse(p.positional, p);
  if (format === 'text') io.stdout(renderTreeText(analysis, { type, processes: bool(p, 'processes') }, styleFrom(p, io)));
  else io.stdout(serialize(analysis, format));
  return 0;
}
