// `nsnap pid PID [--in NS] [VIEW...]`: one process followed through every level. Without
// --in, PID is read in the outermost view; an ambiguous PID lists its candidates.

import type { ProcessNode } from '../../model/types.js';
import { namespaceIndex, pidChain } from '../../render/chain.js';
import { renderPidText } from '../../render/pid-text.js';
import { serialize } from '../../render/serialize.js';
import { NsnapError, UsageError } from '../../errors.js';
import { termSafe } from '../../render/escape.js';
import { bool, parseArgs, str, type FlagSpec } from '../args.js';
import { analyse, COMMON_FLAGS, SAME_BOOT_FLAG, formatFrom, styleFrom, WIDE_FLAG, type Io } from '../common.js';
import { fitWidth, outputWidth } from '../width.js';
import { normaliseNsId } from './ns-arg.js';

export const FLAGS: FlagSpec = {
  in: { kind: 'string', value: 'NS', help: 'read PID in namespace NS (pid:4026532257)', default: 'the outermost view' },
  ...COMMON_FLAGS,
  ...SAME_BOOT_FLAG,
  ...WIDE_FLAG,
};

export async function pidCommand(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, FLAGS);
  const [pidText, ...inputs] = p.positional;
  if (pidText === undefined) throw new UsageError('pid needs a PID');
  if (!/^[0-9]{1,7}$/.test(pidText) || Number(pidText) === 0) throw new UsageError(`'${pidText}' is not a PID`);
  const pid = Number(pidText);
  const inText = str(p, 'in');
  const inNs = inText === undefined ? undefined : normaliseNsId(inText);
  const format = formatFrom(p);
  const analysis = await analyse(inputs, p, io);
  const nsById = namespaceIndex(analysis);
  const withChain = analysis.processes.map((proc) => ({ proc, chain: pidChain(proc, nsById) }));
  let matches: typeof withChain;
  if (inNs !== undefined) {
    if (!nsById.has(inNs))
      throw new NsnapError('NOT_FOUND', `no namespace ${inNs} in these views`, { exitCode: 1, hint: "'nsnap tree' lists the namespaces" });
    matches = withChain.filter(({ chain }) => chain.some((c) => c.ns === inNs && c.pid === pid));
  } else {
    const outermost = Math.min(...analysis.views.map((v) => (v.pidNamespace ? (nsById.get(v.pidNamespace)?.depth ?? 0) : 0)));
    const roots = new Set(
      analysis.views.filter((v) => v.pidNamespace && nsById.get(v.pidNamespace)?.depth === outermost).map((v) => v.pidNamespace),
    );
    matches = withChain.filter(({ chain }) => chain[0] !== undefined && roots.has(chain[0].ns) && chain[0].pid === pid);
  }
  if (matches.length === 0) {
    throw new NsnapError('NOT_FOUND', `no process with PID ${pid}${inNs ? ` in ${inNs}` : ' in the outermost view'}`, {
      exitCode: 1,
      hint: inNs ? undefined : 'to read the PID in an inner namespace, add --in NS',
    });
  }
  if (matches.length > 1) {
    const lines = matches.map(({ proc, chain }) => `  ${chain.map((c) => `${c.ns}:${c.pid}`).join(' > ')}  ${termSafe(proc.comm)}`);
    throw new NsnapError('NOT_FOUND', `PID ${pid} is ambiguous; candidates:\n${lines.join('\n')}`, {
      exitCode: 1,
      hint: 'name the namespace with --in NS',
    });
  }
  const { proc, chain } = matches[0] as { proc: ProcessNode; chain: ReturnType<typeof pidChain> };
  if (format === 'text') {
    io.stdout(fitWidth(renderPidText(proc, chain, nsById, styleFrom(p, io)), outputWidth(io, bool(p, 'wide'))));
  } else io.stdout(serialize({ format: 'nsnap-pid', formatVersion: 1, process: proc, chain }, format));
  return 0;
}
